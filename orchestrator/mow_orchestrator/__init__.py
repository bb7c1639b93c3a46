"""MOW orchestrator: data, model containers, Optuna optimization and reports.

Library entry points: :func:`load_config` and :func:`run_study`.
"""

from .config import MowConfig, load_config
from .errors import ConfigError, DataError, ModelFailure, ModelStartError, MowError, UserError
from .optimize.study import RunResult, run_study

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "ModelFailure",
    "ModelStartError",
    "MowConfig",
    "MowError",
    "RunResult",
    "UserError",
    "load_config",
    "run_study",
]
