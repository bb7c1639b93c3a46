"""Data: read a source, prepare it, hold out a test part, cut windows."""

from .prepare import PreparedTable, prepare
from .sources import read_table
from .split import Split, holdout_last
from .windows import Window, make_windows, validation_starts

__all__ = ["PreparedTable", "Split", "Window", "holdout_last", "make_windows", "prepare", "read_table", "validation_starts"]
