from __future__ import annotations

import pytest

from healthopt.config import HEALTH_COMPONENTS, ConfigError, ScoringWeights
from healthopt.records import Mode
from healthopt.study.config import MODULES, StudyConfig, parse_modules


def test_module_selection():
    assert parse_modules("all") == MODULES
    assert parse_modules("none") == ()
    assert parse_modules("calibration, generalization") == ("generalization", "calibration")
    assert parse_modules(["per_class"]) == ("per_class",)
    with pytest.raises(ConfigError, match="unknown analysis module.*robustnes\\b"):
        parse_modules("generalization,robustnes")


def test_runs_of_both_modes_share_seeds_and_the_split():
    config = StudyConfig(runs_per_mode=3, seed=5, split_seed=9, study_id="s")
    for index in range(3):
        a = config.optimization_config(Mode.SIMPLE, index)
        b = config.optimization_config(Mode.HEALTH_AWARE, index)
        assert a.seed == b.seed == 5 + 1000 * index
        assert a.split_seed == b.split_seed == 9
        assert (a.mode, b.mode) == ("simple", "health-aware")
        assert a.scoring_weights.accuracy_weight == 1.0
        assert b.scoring_weights == config.health_weights


def test_ablation_weights_put_all_health_on_one_component():
    config = StudyConfig(study_id="s")
    weights = config.ablation_weights("gradient_health")
    assert weights.accuracy_weight == config.health_weights.accuracy_weight
    assert weights.health_components == {
        name: 1.0 if name == "gradient_health" else 0.0 for name in HEALTH_COMPONENTS
    }
    assert config.ablation_trial_count == config.trials_per_run


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"runs_per_mode": 0}, "runs_per_mode"),
        ({"trials_per_run": -1}, "trials"),
        ({"dataset_name": "no_such_set"}, "dataset_name"),
        ({"health_weights": ScoringWeights()}, "health_weight must be above 0"),
        ({"transfer_dataset": "npz:/no/such.npz"}, "transfer_dataset"),
        ({"study_id": "../escape"}, "study_id"),
        ({"ablation_trials": 0}, "ablation_trials"),
    ],
)
def test_bad_settings_are_refused_with_the_field_named(changes, message):
    with pytest.raises(ConfigError, match=message):
        StudyConfig(**changes)


def test_round_trips_through_a_dict():
    config = StudyConfig(runs_per_mode=2, study_id="s", transfer_dataset="digits")
    assert StudyConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown StudyConfig fields: colour"):
        StudyConfig.from_dict({**config.to_dict(), "colour": "red"})
