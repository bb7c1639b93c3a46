"""The config's model.params applied to a model's declared search space: what is accepted,
and the mistakes that are one clear error instead of N failed trials."""

from __future__ import annotations

import pytest

from mow_orchestrator.config import ParamOverride
from mow_orchestrator.errors import ConfigError
from mow_orchestrator.optimize.search_space import model_space

import zoo_models

SPEC = zoo_models.MeanModel.spec()  # scale: float [0.5, 1.5]; unused_int: int [1, 5]; mode: a|b; flag: bool


def _dims(overrides):
    return {d.name: d for d in model_space(SPEC, overrides)}


def test_overrides_narrow_fix_and_add():
    dims = _dims({"scale": ParamOverride(low=0.8, high=1.2, step=0.1), "unused_int": 3, "flag": True,
                  "extra": ParamOverride(low=1, high=9, step=2)})
    assert (dims["scale"].low, dims["scale"].high, dims["scale"].step) == (0.8, 1.2, 0.1)
    assert dims["unused_int"].kind == "fixed" and dims["unused_int"].value == 3
    assert dims["flag"].value is True
    assert dims["extra"].kind == "int" and dims["extra"].step == 2


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"scale": "abc"}, "model.params.scale: 'abc' is not a number (MeanModel declares 'scale' as a float)"),
        ({"unused_int": 2.5}, "model.params.unused_int: 2.5 is not a whole number"),
        ({"flag": "yes"}, "model.params.flag: 'yes' is not true or false"),
        ({"scale": ParamOverride(choices=[1, "a"])}, "model.params.scale: 'a' is not a number"),
        ({"scale": ParamOverride(low=0.6, high=1.0, log=True, step=0.1)}, "a log-scale parameter cannot have a step"),
        ({"scale": ParamOverride(step=0)}, "model.params.scale: step must be positive, got 0"),
        ({"extra": ParamOverride(low=1, high=10, step=0)}, "model.params.extra: step must be positive"),
        ({"scal": ParamOverride(low=1, high=2)}, "declares no parameter 'scal'; did you mean 'scale'?"),
    ],
)
def test_mistakes_are_one_clear_error(overrides, expected):
    with pytest.raises(ConfigError) as info:
        model_space(SPEC, overrides)
    assert expected in str(info.value)
