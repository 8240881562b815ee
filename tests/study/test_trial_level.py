"""The trial-level test: partial rank correlation, Holm, the discovery/confirmation split and
the selection simulation on crafted numbers; then the registered module on a small real study
whose trials are tiny Keras models saved where a run keeps them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pypdf import PdfReader
from scipy import stats as st

from healthopt.data import load_dataset
from healthopt.records import (
    HEALTH_COMPONENTS,
    DiagnosticsSummary,
    HealthValues,
    Mode,
    RunResults,
    TrialMetrics,
    TrialPoint,
    TrialRecord,
)
from healthopt.records.trial import AnalysisSummary
from healthopt.records.trial_level import TrialLevelData
from healthopt.study.analysis import run_analysis
from healthopt.study.config import STUDY_MODES, StudyConfig
from healthopt.study.context import AnalysisContext
from healthopt.study.layout import StudyPaths
from healthopt.study.metadata import RunRecord, StudyMetadata
from healthopt.study.modules import module_runner
from healthopt.study.trial_level import (
    COMPOSITE,
    HYPOTHESES,
    confirmed,
    correlate_signals,
    holm,
    learned,
    partial_spearman,
    run_stages,
    signals_of,
    simulate_selection,
    split_seeds,
)


# -- partial Spearman ---------------------------------------------------------------------------
def _crafted(n: int = 80, seed: int = 0) -> dict[str, np.ndarray]:
    """Val accuracy, and holdout = val + a part val does not show; one signal sees that part,
    one sees only val accuracy."""
    rng = np.random.default_rng(seed)
    val = rng.uniform(0.6, 0.95, n)
    beyond = rng.normal(0.0, 0.02, n)
    holdout = val + beyond
    return {
        "val": val,
        "holdout": holdout,
        "tracks_holdout": beyond + rng.normal(0.0, 0.01, n),
        "tracks_val": val + rng.normal(0.0, 0.01, n),
    }


def test_a_signal_that_sees_what_val_accuracy_misses_correlates_strongly():
    d = _crafted()
    result = partial_spearman(d["tracks_holdout"], d["holdout"], d["val"])
    assert result.n == 80 and result.df == 77
    assert result.rho > 0.6 and result.p_value < 1e-6


def test_a_signal_that_only_tracks_val_accuracy_has_no_partial_correlation():
    d = _crafted()
    plain = st.spearmanr(d["tracks_val"], d["holdout"]).statistic
    result = partial_spearman(d["tracks_val"], d["holdout"], d["val"])
    assert plain > 0.7  # it does correlate with holdout accuracy, through val accuracy
    assert abs(result.rho) < 0.15 and result.p_value > 0.2


def test_partial_spearman_is_the_textbook_formula_with_n_minus_3_degrees_of_freedom():
    d = _crafted(n=30, seed=3)
    x, y, z = d["tracks_holdout"], d["holdout"], d["val"]
    r_xy, r_xz, r_yz = (st.spearmanr(a, b).statistic for a, b in ((x, y), (x, z), (y, z)))
    expected = (r_xy - r_xz * r_yz) / math.sqrt((1 - r_xz**2) * (1 - r_yz**2))
    result = partial_spearman(x, y, z)
    assert result.rho == pytest.approx(expected, abs=1e-12)
    t = expected * math.sqrt(27 / (1 - expected**2))
    assert result.statistic == pytest.approx(t)
    assert result.p_value == pytest.approx(2 * st.t.sf(abs(t), 27))


def test_partial_spearman_is_undefined_without_enough_trials_or_variation():
    assert partial_spearman([1, 2, 3], [1, 2, 3], [3, 1, 2]).p_value is None
    constant = partial_spearman([5, 5, 5, 5, 5], [0.1, 0.3, 0.2, 0.5, 0.4], [1, 2, 3, 4, 5])
    assert constant.rho is None and constant.p_value is None and "undefined" in constant.note
    with pytest.raises(ValueError, match="differ in length"):
        partial_spearman([1, 2, 3, 4], [1, 2, 3], [1, 2, 3, 4])


# -- Holm ---------------------------------------------------------------------------------------
def test_holm_matches_a_hand_worked_example():
    # sorted: 0.005 x 4 = 0.02; 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04 -> 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.4]) == pytest.approx([0.8, 0.8])  # 0.4 x 2 = 0.8; 0.5 -> max(0.5, 0.8)
    assert holm([0.9, 0.6, 0.001]) == pytest.approx([1.0, 1.0, 0.003])  # capped at 1
    assert holm([]) == []


# -- signals, stages ----------------------------------------------------------------------------
def _point(seed: int, number: int, val: float, holdout: float, **signals: float | None):
    return TrialPoint(
        source=f"accuracy_only run {seed} trial {number}",
        run=f"accuracy_only run {seed}",
        mode=Mode.SIMPLE,
        seed=seed,
        number=number,
        val_accuracy=val,
        holdout_accuracy=holdout,
        chance_accuracy=0.1,
        signals=signals,
    )


def _points(seeds: list[int], per_seed: int = 40) -> list[TrialPoint]:
    points = []
    for seed in seeds:
        d = _crafted(per_seed, seed=seed + 1)
        for i in range(per_seed):
            points.append(
                _point(
                    seed,
                    i,
                    float(d["val"][i]),
                    float(d["holdout"][i]),
                    good=float(d["tracks_holdout"][i]),
                    val_only=float(d["tracks_val"][i]),
                    sparse=float(i) if i % 2 else None,
                )
            )
    return points


def test_each_signal_uses_the_trials_that_measured_it_and_holm_covers_the_family():
    tests = correlate_signals(_points([0]), ["good", "val_only", "sparse", "never"])
    by = {t.signal: t for t in tests}
    assert by["good"].n == 40 and by["sparse"].n == 20 and by["never"].n == 0
    assert by["never"].p_value is None and by["never"].holm_p is None
    assert not by["never"].significant
    # the undefined test still counts in the family of four
    assert by["good"].holm_p == pytest.approx(min(1.0, 4 * by["good"].p_value))
    assert by["good"].significant and not by["val_only"].significant


def test_seeds_split_into_a_first_half_for_discovery_and_the_rest_for_confirmation():
    assert split_seeds([0, 1000, 2000, 3000, 4000]) == ([0, 1000, 2000], [3000, 4000])
    # both arms list the same seeds; each seed belongs to one stage
    assert split_seeds([1000, 0, 1000, 0, 2000, 3000, 2000, 3000]) == ([0, 1000], [2000, 3000])
    assert split_seeds([7, 7]) == ([7], [])


def test_discovery_finds_the_real_signal_and_confirmation_tests_only_that_one():
    points = _points([0, 1000, 2000, 3000])
    stages = run_stages(points, [0, 1000, 2000, 3000], ["good", "val_only", "sparse"])
    all_, discovery, confirmation = stages
    assert [s.name for s in stages] == ["all", "discovery", "confirmation"]
    assert all_.trials == 160 and discovery.trials == confirmation.trials == 80
    assert discovery.seeds == [0, 1000] and confirmation.seeds == [2000, 3000]
    assert [t.signal for t in discovery.tests] == ["good", "val_only", "sparse"]
    assert [t.signal for t in discovery.significant()] == ["good"]
    assert [t.signal for t in confirmation.tests] == ["good"]  # Holm over this one alone
    assert confirmation.tests[0].holm_p == confirmation.tests[0].p_value
    assert [(d.signal, c.signal) for d, c in confirmed(stages)] == [("good", "good")]


def test_one_run_per_arm_reports_confirmation_as_not_possible():
    stages = run_stages(_points([0]), [0, 0], ["good"])
    assert stages[2].possible is False and stages[2].tests == []
    assert "not possible" in stages[2].note
    assert confirmed(stages) == []


def test_a_confirmation_of_the_opposite_sign_is_no_confirmation():
    points = _points([0, 1000])
    flipped = [
        p.model_copy(update={"signals": {"good": -p.signals["good"]}}) if p.seed == 1000 else p
        for p in points
    ]
    stages = run_stages(flipped, [0, 1000], ["good"])
    assert stages[1].tests[0].rho > 0 and stages[2].tests[0].rho < 0
    assert stages[2].tests[0].significant and confirmed(stages) == []


# -- selection simulation -----------------------------------------------------------------------
def test_selection_compares_the_healthiest_near_the_top_with_the_most_accurate():
    win = [  # trial 1 is within 1 point and healthier; it does better on the holdout
        _point(0, 0, 0.950, 0.93, **{COMPOSITE: 0.5}),
        _point(0, 1, 0.942, 0.95, **{COMPOSITE: 0.8}),
        _point(0, 2, 0.900, 0.99, **{COMPOSITE: 0.9}),  # healthier still, but too far behind
    ]
    same = [
        _point(1, 0, 0.97, 0.96, **{COMPOSITE: 0.9}),
        _point(1, 1, 0.90, 0.9, **{COMPOSITE: 0.1}),
    ]
    loss = [
        _point(2, 0, 0.80, 0.82, **{COMPOSITE: None}),  # most accurate, health not measured
        _point(2, 1, 0.795, 0.78, **{COMPOSITE: 0.7}),
    ]
    tie = [_point(3, 0, 0.9, 0.9, **{COMPOSITE: 0.2}), _point(3, 1, 0.9, 0.9, **{COMPOSITE: 0.3})]
    no_health = [_point(4, 0, 0.9, 0.9, **{COMPOSITE: None})]
    result = simulate_selection([win, same, loss, tie, list(win), no_health, []], margin=0.01)
    assert (result.runs, result.repeated, result.without_health) == (4, 1, 1)
    assert (result.wins, result.ties, result.same_trial, result.losses) == (1, 1, 1, 1)
    first = result.rows[0]
    assert first.healthiest.endswith("trial 1") and first.most_accurate.endswith("trial 0")
    assert first.candidates == 2 and first.difference == pytest.approx(0.02)
    differences = [0.02, 0.0, -0.04, 0.0]
    assert result.difference.mean == pytest.approx(np.mean(differences))
    low, high = st.t.interval(0.95, 3, loc=np.mean(differences), scale=st.sem(differences))
    assert (result.difference.ci_low, result.difference.ci_high) == pytest.approx((low, high))
    assert "zero differences dropped" in result.test.note and result.test.n_a == 4


def test_the_selection_of_ties_follows_the_optimizer():
    # equal val accuracy: the earlier trial is the most accurate; equal health: the more accurate
    pool = [
        _point(0, 3, 0.95, 0.90, **{COMPOSITE: 0.6}),
        _point(0, 5, 0.95, 0.91, **{COMPOSITE: 0.6}),
        _point(0, 4, 0.945, 0.92, **{COMPOSITE: 0.6}),
    ]
    row = simulate_selection([pool], margin=0.01).rows[0]
    assert row.most_accurate.endswith("trial 3") and row.healthiest.endswith("trial 3")


def test_signals_of_a_trial_record_name_every_hypothesis():
    record = TrialRecord(
        number=0,
        state="COMPLETE",
        metrics=TrialMetrics(val_accuracy=0.9, chance_accuracy=0.1),
        num_parameters=0,
        health=HealthValues(gradient_health=0.7),
        diagnostics=DiagnosticsSummary(health_score=55),
        analysis=AnalysisSummary(parameters=1234, mean_alpha=3.5),
    )
    values = signals_of(record)
    assert list(values) == list(HYPOTHESES) and len(HYPOTHESES) == 18
    assert values["gradient_health"] == 0.7 and values["neuron_utilization"] is None
    assert values["diagnostics_score"] == 55.0 and values["mean_alpha"] == 3.5
    assert values["num_parameters"] == 1234.0  # the analyzer's count when the record has none
    assert values[COMPOSITE] is not None
    assert learned(0.2, 0.1, 0.02) and not learned(0.115, 0.1, 0.02)


# -- the registered module on a small real study ------------------------------------------------
def _model(dataset, seed: int, hidden: int, epochs: int):
    import keras

    keras.utils.set_random_seed(seed)
    # epochs=0 with zero weights: every input gets the same scores, a model at chance
    init = "glorot_uniform" if epochs else "zeros"
    model = keras.Sequential(
        [
            keras.Input(dataset.input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(hidden, activation="relu", kernel_initializer=init),
            keras.layers.Dense(dataset.num_classes, activation="softmax", kernel_initializer=init),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    if epochs:
        model.fit(dataset.train.x, dataset.train.y, epochs=epochs, batch_size=64, verbose=0)
    return model


# (hidden units, epochs) of each trial; trial 4 is at chance. Both arms train these first,
# with the same seed: the same models, which the module must count once. The health-aware arm
# trains one more, its own.
SHARED = [(8, 1), (16, 1), (32, 2), (16, 3), (8, 0)]
OWN = (24, 2)
MODEL_0 = "trials/trial_0/model.keras"


def _record(number: int, hidden: int, epochs: int, model, dataset, rng) -> TrialRecord:
    val_loss, val = model.evaluate(dataset.val.x, dataset.val.y, verbose=0)
    components = dict(zip(HEALTH_COMPONENTS, rng.uniform(0.3, 0.9, 6), strict=True))
    return TrialRecord(
        number=number,
        state="COMPLETE",
        params={"hidden": hidden, "epochs": epochs},
        metrics=TrialMetrics(
            val_accuracy=val, val_loss=val_loss, chance_accuracy=dataset.val.majority_fraction()
        ),
        num_parameters=model.count_params(),
        health=HealthValues(**components),
        diagnostics=DiagnosticsSummary(health_score=int(rng.integers(40, 100))),
        analysis=AnalysisSummary(mean_alpha=rng.uniform(2, 6), ece=rng.uniform(0, 0.2)),
    )


@pytest.fixture(scope="module")
def trial_study(tmp_path_factory) -> tuple[StudyPaths, dict[tuple[int, int], float]]:
    """Two runs per arm with their trial folders and results.json; returns the paths and each
    model's holdout accuracy by (run index, trial number), measured here directly."""
    root = tmp_path_factory.mktemp("trial_level")
    config = StudyConfig(runs_per_mode=2, trials_per_run=6, output_dir=str(root), study_id="trials")
    paths = StudyPaths.of(root, "trials")
    dataset = load_dataset("digits", config.split_seed)
    holdout: dict[tuple[int, int], float] = {}
    runs = []
    for index in range(2):
        seed = config.run_seed(index)
        rng = np.random.default_rng(seed)
        trained = [_model(dataset, seed + n, h, e) for n, (h, e) in enumerate(SHARED)]
        records = [
            _record(n, h, e, m, dataset, rng)
            for n, ((h, e), m) in enumerate(zip(SHARED, trained, strict=True))
        ]
        own = _model(dataset, seed + 5, *OWN)
        for number, model in enumerate([*trained, own]):
            predicted = model.predict(dataset.holdout.x, verbose=0).argmax(axis=1)
            holdout[(index, number)] = float(np.mean(predicted == dataset.holdout.y))
        for mode in STUDY_MODES:
            run_dir = paths.mode_dir(mode) / f"run_{index}"
            models = trained + ([own] if mode is Mode.HEALTH_AWARE else [])
            trials = records + (
                [_record(5, *OWN, own, dataset, rng)] if mode is Mode.HEALTH_AWARE else []
            )
            for number, model in enumerate(models):
                folder = run_dir / "trials" / f"trial_{number}"
                folder.mkdir(parents=True)
                model.save(folder / "model.keras")
            weights = config.optimization_config(mode, index).scoring_weights
            results = RunResults.create(
                run_name=f"run_{index}",
                dataset="digits",
                mode=mode,
                trials_requested=len(trials),
                scoring_weights={
                    "accuracy_weight": weights.accuracy_weight,
                    "health_weight": weights.health_weight,
                    "health_components": dict(weights.health_components),
                },
                best_trial=0,
                trials=trials,
            )
            (run_dir / "results.json").write_text(results.to_json_text())
            runs.append(
                RunRecord(
                    mode=mode,
                    index=index,
                    seed=seed,
                    run_dir=str(run_dir.relative_to(paths.root)),
                    status="completed",
                    trials_done=len(trials),
                    trials_total=len(trials),
                    best_trial=0,
                    val_accuracy=trials[0].metrics.val_accuracy,
                    health_score=0.5,
                    total_score=trials[0].metrics.val_accuracy,
                    model_path=str(run_dir.relative_to(paths.root) / MODEL_0),
                )
            )
    StudyMetadata(
        study_id="trials", config=config.to_dict(), phase="built", state="completed", runs=runs
    ).write(paths.metadata)
    return paths, holdout


def test_the_registered_module_scores_every_distinct_trial_that_learned(trial_study):
    paths, holdout = trial_study
    results = run_analysis(paths.root, ["trial_level"])
    outcome = results.modules["trial_level"]
    assert outcome.available, outcome.reason
    assert module_runner("trial_level")[0] == outcome.title
    data = outcome.data
    assert isinstance(data, TrialLevelData)
    # per run index: 4 shared models learned (trial 4 is at chance), plus the health-aware
    # arm's own; the accuracy-only copies come first, the health-aware repeats count once
    assert (data.runs, data.trials_complete) == (4, 2 * (5 + 6))
    assert (data.trials_learned, data.repeated_trials, data.models_missing) == (10, 8, 0)
    sources = [p.source for p in data.trials]
    assert len(set(sources)) == 10
    assert all(p.number != 4 for p in data.trials)
    for point in data.trials:
        index = 0 if point.seed == 0 else 1
        assert point.holdout_accuracy == pytest.approx(holdout[(index, point.number)])
        assert point.mode is (Mode.HEALTH_AWARE if point.number == 5 else Mode.SIMPLE)
    assert [s.name for s in data.stages] == ["all", "discovery", "confirmation"]
    assert data.stages[0].trials == 10 and data.stages[1].seeds == [0]
    measured = {*HEALTH_COMPONENTS, COMPOSITE, "diagnostics_score", "mean_alpha", "ece"}
    measured.add("num_parameters")
    assert {t.signal: t.n for t in data.stages[0].tests} == {
        name: 10 if name in measured else 0 for name in HYPOTHESES
    }
    assert [t.signal for t in data.stages[0].tests] == list(HYPOTHESES)
    # run i of both arms shares trials 0-4: where the arms pick the same pair it counts once
    simulation = data.selection
    assert simulation.runs + simulation.repeated + simulation.without_health == 4
    assert data.conclusion in results.conclusions
    text = "".join(page.extract_text() for page in PdfReader(paths.report).pages)
    assert "Trial level" in text and "Selection simulation" in text


def test_the_module_needs_trials_to_read(trial_study):
    paths, _ = trial_study
    metadata = StudyMetadata.read(paths.metadata)
    moved = metadata.with_updates(
        runs=[r.with_updates(run_dir=f"elsewhere/{r.run_dir}") for r in metadata.runs]
    )
    _, run = module_runner("trial_level")
    outcome = run(AnalysisContext(moved, paths))
    assert not outcome.available and "no study run has trials" in (outcome.reason or "")
