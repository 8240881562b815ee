"""The one sanitiser for names built from outside input: what passes, and what a refusal says."""

from __future__ import annotations

import pytest

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.safe_names import UnsafeName, safe_name


@pytest.mark.parametrize(
    "name", ["a", "run-1", "digits_health-aware_20260101", "v1.2", "_x", "A" * 128, "0"]
)
def test_a_safe_single_component_comes_back_unchanged(name):
    assert safe_name(name, "run name") == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "..",
        "../../victim",
        "a/b",
        "a\\b",
        ".hidden",
        "-rf",
        "has space",
        "nul\x00byte",
        "line\nbreak",
        "A" * 129,
        "caf\u00e9",
    ],
)
def test_anything_else_is_refused_naming_what_and_the_value(name):
    with pytest.raises(UnsafeName) as refused:
        safe_name(name, "job id")
    message = str(refused.value)
    assert message.startswith("job id must be") and "\n" not in message
    assert repr(name)[:40] in message


def test_a_long_value_is_quoted_cut_short():
    with pytest.raises(UnsafeName) as refused:
        safe_name("/" * 10_000, "run name")
    assert len(str(refused.value)) < 200 and str(refused.value).endswith("...)")


def test_a_non_string_is_refused_not_crashed_on():
    with pytest.raises(UnsafeName, match="run name"):
        safe_name(7, "run name")  # type: ignore[arg-type]


def test_unsafe_name_is_a_value_error():
    assert issubclass(UnsafeName, ValueError)


@pytest.mark.parametrize("name", ["../escape", "..", "-x", ".x", "a/b"])
def test_the_run_name_goes_through_it(name):
    with pytest.raises(ConfigError, match="run_name must be"):
        OptimizationConfig(trials=1, run_name=name)
