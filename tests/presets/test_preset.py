"""Preset files: the shipped ones load and say what they set; a bad file is refused naming the
file and the field."""

from __future__ import annotations

import pytest

from healthopt.config import OptimizationConfig
from healthopt.presets import PresetError, builtin_presets, load_preset


def test_the_three_shipped_presets_load_with_descriptions_and_valid_settings():
    names = [path.stem for path in builtin_presets()]
    assert names == ["baseline", "deep-regularized", "fast-debug"]
    for name in names:
        preset = load_preset(name)
        assert preset.description and preset.path.name == f"{name}.toml"
        OptimizationConfig(**preset.settings)  # a preset's settings make a config on their own
    fast = load_preset("fast-debug")
    assert fast.settings["trials"] == 4 and fast.settings["pruner"] == "none"
    assert fast.space.fixed["optimizer"] == "adam"
    deep = load_preset("deep-regularized")
    assert deep.settings["mode"] == "health-aware"
    assert deep.space.ranges["hidden_dropout"] == (0.3, 0.5)
    assert not load_preset("baseline").space  # the full space


def test_a_copied_and_edited_file_loads_by_its_path(tmp_path):
    edited = load_preset("fast-debug").path.read_text().replace("trials = 4", "trials = 7")
    path = tmp_path / "mine.toml"
    path.write_text(edited)
    preset = load_preset(str(path))
    assert preset.name == "mine" and preset.settings["trials"] == 7


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('description = "d"\n[settings]\ntrials = 0\n', "settings: trials must be an integer"),
        ('description = "d"\n[settings]\ntrails = 5\n', "settings.trails is not an OptimizationConfig"),  # noqa: E501
        ('description = "d"\n[settings]\nrun_name = "x"\n', "settings.run_name is not for a preset"),  # noqa: E501
        ('description = "d"\n[settings]\npruner = "asha"\n', "settings: pruner must be one of"),
        ("[settings]\ntrials = 3\n", "description must be a non-empty string"),
        ('description = "d"\nbudget = 3\n', "unknown field budget"),
        ('description = "d"\n[space.ranges]\nhidden_dropout = [0.5, 0.1]\n', "space.ranges.hidden_dropout must be [low, high]"),  # noqa: E501
        ('description = "d"\n[space.wide]\nx = 1\n', "unknown field space.wide"),
        ('description = "d"\n[space.choices]\noptimizer = []\n', "space.choices.optimizer must be a non-empty list"),  # noqa: E501
        ('description = "d"\n[space.fixed]\noptimizer = "adam"\n[space.choices]\noptimizer = ["sgd"]\n', "optimizer is narrowed twice"),  # noqa: E501
        ('description = "d"\n[settings\n', "not a readable TOML file"),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_file_and_the_field(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PresetError) as error:
        load_preset(str(path))
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_an_unknown_name_lists_the_shipped_presets_and_a_missing_path_is_named(tmp_path):
    with pytest.raises(PresetError, match="unknown preset 'fastest': choose baseline, "):
        load_preset("fastest")
    with pytest.raises(PresetError, match="no such preset file"):
        load_preset(str(tmp_path / "gone.toml"))
