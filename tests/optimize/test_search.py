"""optimize.search: which of Optuna's samplers and pruners a run gets, and HealthPruner.

Everything runs on Optuna's real samplers and pruners in in-memory studies; no TensorFlow.
"""

from __future__ import annotations

import importlib.util

import optuna
import pytest
from optuna.pruners import (
    HyperbandPruner,
    MedianPruner,
    NopPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
)
from optuna.samplers import CmaEsSampler, RandomSampler, TPESampler

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.models.search_space import HyperparameterSelector
from healthopt.optimize.search import (
    HealthPruner,
    alarm_of,
    make_pruner,
    make_sampler,
    pruner_name,
    startup_trials,
)
from healthopt.records import HealthAlarm

HAS_TORCH = importlib.util.find_spec("torch") is not None
ALARM_ATTR = "healthopt:health_alarm"  # the system attribute the optimizer stores alarms in
# TPE's group and constant_liar switches are experimental in Optuna; the warning is known.
pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")


def _config(**overrides) -> OptimizationConfig:
    values = dict(dataset_name="digits", trials=10, max_epochs_per_trial=3, seed=1)
    values.update(overrides)
    return OptimizationConfig(**values)


def _sample(sampler: optuna.samplers.BaseSampler, trials: int) -> list[dict]:
    """The params of `trials` trials drawn from the image search space, each told a value
    that depends only on its number, so the sequence depends only on the sampler."""
    study = optuna.create_study(direction="maximize", sampler=sampler)
    selector = HyperparameterSelector("image")
    for number in range(trials):
        trial = study.ask()
        selector.suggest(trial)
        study.tell(trial, 0.5 + 0.1 * (number % 3))
    return [t.params for t in study.trials]


# -- samplers --------------------------------------------------------------------------
@pytest.mark.parametrize(("trials", "startup"), [(4, 2), (10, 2), (20, 5), (100, 10), (400, 10)])
def test_startup_trials_are_a_quarter_of_the_budget_from_2_to_10(trials: int, startup: int):
    assert startup_trials(trials) == startup


# TPESampler has no public accessor for its settings, so these read its private attributes.
@pytest.mark.parametrize(("trials", "startup"), [(10, 2), (20, 5), (100, 10)])
def test_tpe_is_multivariate_grouped_with_startup_scaled_to_the_budget(trials: int, startup: int):
    sampler = make_sampler(_config(trials=trials), seed=3)
    assert type(sampler) is TPESampler
    assert sampler._multivariate is True and sampler._group is True
    assert sampler._n_startup_trials == startup


@pytest.mark.parametrize(
    ("overrides", "liar"),
    [
        ({}, False),
        ({"concurrent_workers": 2}, True),
        ({"storage_url": "postgresql://user@db.example/studies"}, True),
        ({"concurrent_workers": 1, "storage_url": "sqlite:///shared.db"}, True),
    ],
)
def test_tpe_lies_about_running_trials_exactly_when_trials_run_in_parallel(
    overrides: dict, liar: bool
):
    sampler = make_sampler(_config(**overrides), seed=3)
    assert isinstance(sampler, TPESampler)
    assert sampler._constant_liar is liar  # private: TPESampler exposes no accessor


def test_random_sampler():
    assert type(make_sampler(_config(sampler="random"), seed=3)) is RandomSampler


def test_cmaes_samples_the_real_search_space():
    """CMA-ES takes the continuous parameters after the start-up trials; the categorical and
    conditional ones go to its independent sampler, and nothing raises."""
    config = _config(sampler="cmaes", trials=8)
    sampler = make_sampler(config, seed=3)
    assert type(sampler) is CmaEsSampler
    study = optuna.create_study(direction="maximize", sampler=sampler)
    selector = HyperparameterSelector("image")
    for number in range(6):
        trial = study.ask()
        model = selector.suggest(trial)
        assert model.optimizer in ("adam", "rmsprop", "sgd")
        study.tell(trial, 0.5 + 0.05 * number)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    # CMA-ES marks the trials it sampled with its generation; the start-up ones it did not.
    by_cmaes = [
        t.number for t in study.trials if any(k.endswith("generation") for k in t.system_attrs)
    ]
    assert by_cmaes == list(range(startup_trials(config.trials), 6))


@pytest.mark.skipif(HAS_TORCH, reason="torch is installed: GPSampler is available")
def test_gp_without_torch_is_a_config_error_naming_torch():
    with pytest.raises(ConfigError, match="torch"):
        make_sampler(_config(sampler="gp"), seed=3)


@pytest.mark.skipif(not HAS_TORCH, reason="GPSampler needs torch")
def test_gp_with_torch_is_optunas_gp_sampler():
    assert type(make_sampler(_config(sampler="gp"), seed=3)) is optuna.samplers.GPSampler


@pytest.mark.parametrize("name", ["tpe", "random", "cmaes"])
def test_a_seeded_sampler_draws_the_same_trials_again(name: str):
    # Past TPE's and CMA-ES's 2 start-up trials, so their model-based draws are covered too.
    config = _config(sampler=name, trials=8)
    first = _sample(make_sampler(config, seed=5), trials=4)
    assert _sample(make_sampler(config, seed=5), trials=4) == first
    assert _sample(make_sampler(config, seed=6), trials=4) != first


# -- pruners ---------------------------------------------------------------------------
@pytest.mark.parametrize(("epochs", "name"), [(1, "none"), (3, "none"), (4, "hyperband")])
def test_auto_pruner_is_hyperband_from_4_epochs_and_none_below(epochs: int, name: str):
    config = _config(max_epochs_per_trial=epochs)
    assert config.pruner == "auto"
    assert pruner_name(config) == name


PRUNER_CLASSES = {
    "none": NopPruner,
    "median": MedianPruner,
    "percentile": PercentilePruner,
    "successive-halving": SuccessiveHalvingPruner,
    "hyperband": HyperbandPruner,
}


@pytest.mark.parametrize("name", list(PRUNER_CLASSES))
def test_each_pruner_name_is_optunas_pruner_wrapped_iff_health_pruning(name: str):
    assert pruner_name(_config(pruner=name)) == name
    plain = make_pruner(_config(pruner=name, health_pruning=False))
    assert type(plain) is PRUNER_CLASSES[name]
    wrapped = make_pruner(_config(pruner=name))
    assert type(wrapped) is HealthPruner and type(wrapped.wrapped) is PRUNER_CLASSES[name]


def test_median_pruner_judges_the_epochs_after_the_first():
    """The median pruner's warm-up: the first epoch alone is never grounds to stop a trial
    (`optimize.search._base_pruner`); from the second on, a trial behind the median is."""
    study = optuna.create_study(
        direction="maximize", pruner=make_pruner(_config(pruner="median", health_pruning=False))
    )
    for _ in range(startup_trials(10)):
        done = study.ask()
        done.report(0.9, 1)
        done.report(0.9, 2)
        study.tell(done, 0.9)
    behind = study.ask()
    behind.report(0.1, 1)
    assert not behind.should_prune()
    behind.report(0.1, 2)
    assert behind.should_prune()


# -- HealthPruner ----------------------------------------------------------------------
def _alarm(study: optuna.Study, trial: optuna.Trial, check: str = "nan_in_loss") -> HealthAlarm:
    """Store an alarm on the trial as the optimizer does."""
    alarm = HealthAlarm(check=check, message=f"{check} at epoch 1", epoch=1)
    study._storage.set_trial_system_attr(trial._trial_id, ALARM_ATTR, alarm.to_json())
    return alarm


def test_health_pruner_prunes_an_alarmed_trial_the_wrapped_pruner_keeps():
    study = optuna.create_study(direction="maximize", pruner=HealthPruner(NopPruner()))
    healthy, alarmed = study.ask(), study.ask()
    for trial in (healthy, alarmed):
        trial.report(0.9, 1)
    alarm = _alarm(study, alarmed)
    assert not healthy.should_prune()
    assert alarmed.should_prune()
    frozen = study._storage.get_trial(alarmed._trial_id)
    assert alarm_of(frozen) == alarm
    assert alarm_of(study._storage.get_trial(healthy._trial_id)) is None


def test_an_unreadable_alarm_is_no_alarm():
    study = optuna.create_study(direction="maximize", pruner=HealthPruner(NopPruner()))
    trial = study.ask()
    trial.report(0.9, 1)
    study._storage.set_trial_system_attr(trial._trial_id, ALARM_ATTR, {"check": "nan_in_loss"})
    assert alarm_of(study._storage.get_trial(trial._trial_id)) is None
    assert not trial.should_prune()


def test_health_pruner_without_an_alarm_defers_to_the_wrapped_median_pruner():
    study = optuna.create_study(
        direction="maximize",
        pruner=HealthPruner(MedianPruner(n_startup_trials=2, n_warmup_steps=0)),
    )
    for value in (0.8, 0.9):
        done = study.ask()
        done.report(value, 1)
        study.tell(done, value)
    bad, good = study.ask(), study.ask()
    bad.report(0.2, 1)
    good.report(0.95, 1)
    assert bad.should_prune()  # behind the median (0.85) of the completed trials
    assert not good.should_prune()
    # An alarm prunes the good one too.
    _alarm(study, good, "dead_neurons")
    assert good.should_prune()
