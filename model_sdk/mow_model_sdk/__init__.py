"""MOW model SDK: subclass :class:`Model`, implement ``fit``/``predict``, serve it.

Everything gRPC and Arrow lives here; model code sees NumPy arrays (or Arrow
tables) only.
"""

from ._version import __version__
from .model import Model
from .params import BoolParam, CategoricalParam, FloatParam, IntParam
from .protocol import PROTOCOL_VERSION

__all__ = [
    "BoolParam",
    "CategoricalParam",
    "FloatParam",
    "IntParam",
    "Model",
    "PROTOCOL_VERSION",
    "__version__",
]
