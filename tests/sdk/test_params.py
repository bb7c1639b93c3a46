"""Hyperparameter declarations are checked when the model class is defined."""

from __future__ import annotations

import pytest

from mow_model_sdk import FloatParam, IntParam


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: FloatParam("a", 1.0, 0.0), "need finite low <= high"),
        (lambda: FloatParam("a", 0.0, 1.0, log=True), "a log scale needs low > 0"),
        (lambda: FloatParam("a", 0.0, 1.0, default=2.0), "default 2.0 is outside [0.0, 1.0]"),
        (lambda: IntParam("k", 1, 10, step=0), "step must be positive, got 0"),
        (lambda: FloatParam("a", 0.0, 1.0, step=-0.1), "step must be positive"),
        (lambda: IntParam("k", 1, 9, step=4, default=3), "default 3 is not on the grid 1 + k * 4"),
        (lambda: FloatParam("a", 0.0, 0.9, step=0.3, default=0.5), "default 0.5 is not on the grid"),
        (lambda: FloatParam("a", 0.1, 1.0, log=True, step=0.1), "a log scale cannot have a step"),
        (lambda: IntParam("k", 1, 10, step=0.5, default=2), "an integer parameter needs whole low, high and step"),
        (lambda: IntParam("k", 1.5, 10, default=2), "an integer parameter needs whole low, high and step"),
        (lambda: IntParam("k", 1, 10, step=True), "step must be a number"),
        (lambda: IntParam("k", 1, 10, step=4, default=5), "high 10 is not on the grid 1 + k * 4"),
        (lambda: FloatParam("a", 0.0, 1.0, step=5.0, default=0.0), "high 1.0 is not on the grid"),
    ],
)
def test_bad_declarations_name_the_parameter(make, expected):
    with pytest.raises(ValueError, match="parameter '(a|k)'") as info:
        make()
    assert expected in str(info.value)


def test_good_declarations():
    assert IntParam("k", 1, 9, step=4, default=5).step == 4
    assert FloatParam("a", 0.0, 1.0, step=0.1, default=0.3).default == 0.3
    assert FloatParam("b", 0.0, 0.9, step=0.3, default=0.6).high == 0.9
    assert IntParam("n", 1, 1000, log=True, default=10).log
