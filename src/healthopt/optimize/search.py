"""The search: which of Optuna's samplers and pruners a run uses, chosen for its budget.

Everything here is Optuna's own implementation; healthopt only picks the settings.

- **Sampler.** TPE is multivariate and grouped (the space is conditional: each optimizer has
  its own learning-rate parameter), with start-up random trials scaled to the budget: a
  quarter of the trials, 2 to 10, instead of TPE's fixed 10, which is all of a 10-trial run.
  Trials that run at the same time (several workers, RunPod concurrency, a shared study) use
  `constant_liar`, so they do not all draw the same region.
- **Pruner.** Each epoch's validation accuracy is the trial's intermediate value. `auto`
  picks Hyperband (successive halving over several brackets, so no single early-stopping
  rate is bet on) when a trial has at least `AUTO_MIN_EPOCHS` epochs, and no pruning below
  that, where stopping early saves too little to risk it.
- **Health pruning.** `HealthPruner` wraps that pruner: a trial whose live epoch records
  raised a health alarm (`diagnostics.live`, stored on the trial by the optimizer) is pruned
  at once, whatever the other pruner says. No other tool prunes on health; this is the one
  piece healthopt adds, and it is an Optuna pruner so shared studies use it too.
"""

from __future__ import annotations

import importlib.util

import optuna
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.records import HealthAlarm, Mode, SchemaError

HEALTH_ALARM_ATTR = "healthopt:health_alarm"  # system attribute: the alarm the worker raised
AUTO_MIN_EPOCHS = 4
MIN_STARTUP_TRIALS = 2
MAX_STARTUP_TRIALS = 10


def startup_trials(trials: int) -> int:
    """Random trials before the model-based sampler acts: a quarter of the budget, 2 to 10."""
    return max(MIN_STARTUP_TRIALS, min(MAX_STARTUP_TRIALS, trials // 4))


def runs_in_parallel(config: OptimizationConfig) -> bool:
    """Whether trials of this study can be running at the same time."""
    return config.concurrent_workers > 1 or config.storage_url is not None


def make_sampler(config: OptimizationConfig, seed: int) -> optuna.samplers.BaseSampler:
    """Optuna's sampler for `config.sampler`, seeded with `seed`."""
    startup = startup_trials(config.trials)
    if config.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if config.sampler == "gp":
        if importlib.util.find_spec("torch") is None:
            raise ConfigError(
                "sampler 'gp' is Optuna's GPSampler, which needs PyTorch: "
                "pip install 'healthopt[gp]' (or torch), or use --sampler tpe"
            )
        return optuna.samplers.GPSampler(
            seed=seed, n_startup_trials=startup, warn_independent_sampling=False
        )
    if config.sampler == "nsga2":
        # Pareto mode only (the config refuses it elsewhere): Optuna's genetic
        # multi-objective sampler, its population sized to the budget like TPE's start-up.
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, startup * 2))
    if config.sampler == "cmaes":
        # CMA-ES handles the continuous parameters; the categorical ones (optimizer,
        # activation, ...) go to TPE instead of Optuna's default random independent sampler.
        return optuna.samplers.CmaEsSampler(
            seed=seed,
            n_startup_trials=startup,
            independent_sampler=optuna.samplers.TPESampler(seed=seed),
            warn_independent_sampling=False,
        )
    return optuna.samplers.TPESampler(
        seed=seed,
        n_startup_trials=startup,
        multivariate=True,
        group=True,
        constant_liar=runs_in_parallel(config),
    )


def pruner_name(config: OptimizationConfig) -> str:
    """The pruner `config.pruner` stands for: `auto` resolved for the budget. Pareto mode
    has none: Optuna's pruners compare one intermediate value, and a two-objective trial
    cannot report one (health pruning still stops broken trials there)."""
    if config.mode is Mode.PARETO:
        return "none"
    if config.pruner != "auto":
        return config.pruner
    return "hyperband" if config.max_epochs_per_trial >= AUTO_MIN_EPOCHS else "none"


def _base_pruner(name: str, config: OptimizationConfig) -> BasePruner:
    epochs = config.max_epochs_per_trial
    startup = startup_trials(config.trials)
    # Steps are 1-based epochs, and Optuna judges a step >= n_warmup_steps: median and
    # percentile judge from epoch 2 on, never the first epoch alone.
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=startup, n_warmup_steps=2)
    if name == "percentile":
        return optuna.pruners.PercentilePruner(25.0, n_startup_trials=startup, n_warmup_steps=2)
    if name == "successive-halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=epochs, reduction_factor=3
        )
    return optuna.pruners.NopPruner()


def make_pruner(config: OptimizationConfig) -> BasePruner:
    """The run's pruner: Optuna's, wrapped in `HealthPruner` when health pruning is on."""
    base = _base_pruner(pruner_name(config), config)
    if config.mode is Mode.PARETO:
        return base  # the optimizer's judge prunes on health itself (`should_prune` raises)
    return HealthPruner(base) if config.health_pruning else base


class HealthPruner(BasePruner):
    """Prunes a trial whose epoch records raised a health alarm; otherwise asks `wrapped`.

    The alarm itself comes from the worker, which holds the records (`diagnostics.live` runs
    the diagnostics engine's checks on them after each epoch); the optimizer stores it on the
    trial as `HEALTH_ALARM_ATTR` before asking `should_prune`.
    """

    def __init__(self, wrapped: BasePruner) -> None:
        self.wrapped = wrapped

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        if alarm_of(trial) is not None:
            return True
        return self.wrapped.prune(study, trial)


def alarm_of(trial: FrozenTrial) -> HealthAlarm | None:
    """The health alarm stored on a trial, None when it has none (or one we cannot read)."""
    data = trial.system_attrs.get(HEALTH_ALARM_ATTR)
    if not isinstance(data, dict):
        return None
    try:
        return HealthAlarm.from_json(data)
    except SchemaError:
        return None
