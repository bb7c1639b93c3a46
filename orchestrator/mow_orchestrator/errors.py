"""Errors the orchestrator raises. A :class:`UserError` is bad input: the CLI
prints its message as one line and exits with code 2."""

from __future__ import annotations


class MowError(Exception):
    """Base class of every error MOW raises on purpose."""


class UserError(MowError, ValueError):
    """Bad input from the user (config, data, model reference): exit code 2."""


class ConfigError(UserError):
    """The study config is invalid; the message names the file and field."""


class DataError(UserError):
    """The dataset does not fit the config; the message names column and rows."""


class ModelStartError(UserError):
    """The model server did not start or does not serve what the config asks for."""


class ModelServerError(MowError, RuntimeError):
    """The model server broke the protocol or went away during a run."""


class ModelFailure(MowError, RuntimeError):
    """Model code raised inside the container; the trial fails, the study goes on."""

    def __init__(self, error_type: str, message: str, traceback: str = "", window_id: str = "") -> None:
        super().__init__(f"{error_type}: {message}" + (f" (window {window_id})" if window_id else ""))
        self.error_type = error_type
        self.traceback = traceback
        self.window_id = window_id


class InvalidParameters(ModelFailure):
    """The model server rejected the trial's parameters (INVALID_ARGUMENT): fail, never retry."""


class TrialTimedOut(ModelFailure):
    """A trial or one of its windows ran past its time limit and was cancelled."""


class SurplusTrial(ModelFailure):
    """Other workers already cover the study's n_trials; this trial ends without running."""
