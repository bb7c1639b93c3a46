"""Walk-forward validation windows as row ranges into the development part.

Validation windows advance by ``step`` rows; each trains on rows that end
``gap`` rows before its validation rows start. With ``train`` = 4, ``gap`` = 1,
``validation`` = 2, ``step`` = 2 (``*`` train, ``-`` gap, ``x`` validation)::

    sliding                    expanding
    * * * * - x x . . .        * * * * - x x . . .
    . . * * * * - x x .        * * * * * * - x x .

The validation windows are placed for the *largest* train length the search
may pick (``train_max``), so every trial is scored on the same validation
rows whatever train length it tries. Window ``i`` validates rows
``[first + i*step, first + i*step + validation)`` with ``first = train_max + gap``;
a last window shorter than ``validation`` is dropped. ``max_windows`` keeps
the most recent ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError


@dataclass(frozen=True)
class Window:
    """Half-open row ranges ``[start, stop)`` of one train/validation pair."""

    id: str
    train_start: int
    train_stop: int
    valid_start: int
    valid_stop: int
    fold: int = 0

    @property
    def n_train(self) -> int:
        return self.train_stop - self.train_start

    @property
    def n_valid(self) -> int:
        return self.valid_stop - self.valid_start


def validation_starts(
    n_rows: int, *, train_max: int, validation: int, step: int, gap: int = 0, max_windows: int | None = None
) -> list[int]:
    """First row of every validation window (see the module docstring).

    Raises:
        DataError: not even one window fits, naming the rows needed.
    """
    first = train_max + gap
    needed = first + validation
    if needed > n_rows:
        raise DataError(
            f"windows: one window needs {needed} rows (train {train_max} + gap {gap} + validation {validation}) "
            f"but the development part has {n_rows}; shorten windows.train or windows.validation, "
            "or lower holdout.fraction"
        )
    starts = list(range(first, n_rows - validation + 1, step))
    return starts[-max_windows:] if max_windows else starts


def make_windows(
    n_rows: int, *, kind: str, train: int, train_max: int, validation: int, step: int,
    gap: int = 0, max_windows: int | None = None,
) -> list[Window]:
    """Windows for one trial: ``train`` rows (sliding) or all earlier rows (expanding)."""
    if train > train_max:
        raise ValueError(f"train ({train}) must not exceed train_max ({train_max})")
    windows = []
    for i, start in enumerate(
        validation_starts(n_rows, train_max=train_max, validation=validation, step=step, gap=gap, max_windows=max_windows)
    ):
        train_stop = start - gap
        train_start = 0 if kind == "expanding" else train_stop - train
        windows.append(Window(f"w{i:03d}", train_start, train_stop, start, start + validation))
    return windows
