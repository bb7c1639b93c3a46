"""Config validation: every mistake is one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from mow_orchestrator.config import IntRange, load_config
from mow_orchestrator.errors import ConfigError

MINIMAL = """
[data]
path = "data.csv"
target = "y"
features = ["x"]

[model]
entrypoint = "m:Model"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text)
    return path


def test_minimal_config_gets_defaults_and_absolute_paths(tmp_path):
    config = load_config(_write(tmp_path, MINIMAL))
    assert config.study.n_trials == 20 and config.study.metric == "rmse"
    assert config.data.path == tmp_path / "data.csv"
    assert config.model.path == tmp_path and config.output.dir == tmp_path / "runs"
    assert config.windows.step_rows == config.windows.validation


def test_tunable_train_length(tmp_path):
    config = load_config(_write(tmp_path, MINIMAL + "[windows]\ntrain = { low = 10, high = 50, step = 10 }\n"))
    assert config.windows.train == IntRange(low=10, high=50, step=10) and config.windows.max_train == 50


def test_tunable_gap_validation_and_step(tmp_path):
    config = load_config(_write(tmp_path, MINIMAL + "[windows]\ngap = { low = 0, high = 4 }\n"
                                "validation = { low = 10, high = 30, step = 10 }\n"))
    w = config.windows
    assert w.tuned == ("gap", "validation") and w.max_gap == 4 and w.max_validation == 30 and w.step_rows == 30


def test_overrides_apply_dotted_keys(tmp_path):
    config = load_config(_write(tmp_path, MINIMAL), {"study.n_trials": 3})
    assert config.study.n_trials == 3


@pytest.mark.parametrize(
    "extra, expected",
    [
        ("[study]\nn_trail = 5\n", "study.n_trail: unknown key"),
        ("[study]\nmetric = 'rmsle'\n", "study.metric: unknown metric 'rmsle'; choose one of"),
        ("[study]\nn_trials = 0\n", "study.n_trials: Input should be greater than or equal to 1"),
        ("[windows]\nvalidation = 0\n", "windows.validation: Input should be greater than or equal to 1"),
        ("[windows]\ntrain = { low = 50, high = 10 }\n", "windows.train: low (50) must not exceed high (10)"),
        ("[windows]\nkind = 'expanding'\ntrain = { low = 5, high = 10 }\n", "windows: train can only be tuned for sliding"),
        ("[holdout]\nfraction = 1.5\n", "holdout.fraction: Input should be less than 1"),
        ("[backend]\nkind = 'address'\n", "backend: the address backend needs addresses"),
        ("[model.params]\nalpha = { low = 1, high = 2, choices = [1] }\n", "give either choices or low/high"),
        ("[windows]\ngap = { low = -1, high = 3 }\n", "windows.gap.low: Input should be greater than or equal to 0"),
        ("[windows]\nvalidation = { low = 0, high = 3 }\n", "windows.validation.low: Input should be greater than"),
        ("[features]\nscale = 'expanding'\n[tune]\nscale = true\n", "tune.scale tries both values of features.scale"),
        ("[tune]\nmax_rolling = { low = 2, high = 5 }\n", "tune.max_rolling: there are no rolling features"),
        ("[tune]\nmax_lag = { low = 2, high = 5 }\n", "tune.max_lag: there are no lag features"),
        ("[tune]\ntarget_transform = []\n", "tune.target_transform: List should have at least 1 item"),
        ("[tune]\ntarget_transform = ['log']\n", "tune.target_transform.0: Input should be 'none', 'log1p' or 'diff'"),
        ("name = ['A', 'B', 'A']\n", "model: name lists 'A' more than once"),
        ("[tune]\nscale = 'yes'\n", "tune.scale: Input should be a valid boolean"),
        ("name = ['A']\nsearch = 'each'\n", "model: search = 'each' runs one study per model"),
        ("[study]\nmetric = 'accuracy'\n[features]\ntarget_transform = 'log1p'\n",
         "features.target_transform: log1p applies to numeric targets, not to the classification metric 'accuracy'"),
    ],
)
def test_bad_values_name_the_field(tmp_path, extra, expected):
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, MINIMAL + extra))
    message = str(info.value)
    assert message.startswith(str(tmp_path / "study.toml") + ": ")
    assert expected in message
    assert "\n" not in message


def test_missing_section_and_bad_entrypoint(tmp_path):
    with pytest.raises(ConfigError, match="model: required field is missing"):
        load_config(_write(tmp_path, MINIMAL.split("[model]")[0]))
    with pytest.raises(ConfigError, match="model.entrypoint: .m.py. is not of the form module:ClassName"):
        load_config(_write(tmp_path, MINIMAL.replace("m:Model", "m.py")))


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "[data\n"))
