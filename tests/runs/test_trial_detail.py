"""A trial's learning curves, plots, model and rank, read from a real run folder (the
optimizer on the scripted executor) whose curves are known from its script."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from healthopt.records import RunResults
from healthopt.runs.index import RunFolder, find_run, read_results
from healthopt.runs.trial_detail import (
    TrialFileUnreadable,
    TrialNotFound,
    find_trial,
    learning_curves,
    trial_files,
    trial_plots,
    trial_rank,
)

from ..optimize.scripted import Outcome, alarmed, fail, learning
from .made_runs import made_run

TRIALS = 6


def script(spec) -> Outcome:
    """Trial 1 fails, trial 2 is pruned by health at epoch 1, the others learn 0.2, 0.4 and
    then 0.5 + n/100."""
    number = spec.trial_number
    if number == 1:
        return fail("boom: out of memory")
    if number == 2:
        return alarmed(1)
    return learning([0.2, 0.4, 0.5 + number / 100])


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    return made_run(root, "curves", script, trials=TRIALS, plot_generation="all")


@pytest.fixture
def run(made: Path, tmp_path: Path) -> RunFolder:
    """A copy of the made run, which the test may damage."""
    shutil.copytree(made, tmp_path / "results" / made.name)
    return find_run(tmp_path / "results", made.name)


def results_of(run: RunFolder) -> RunResults:
    results = read_results(run)
    assert results is not None
    return results


def history_file(run: RunFolder, number: int) -> Path:
    return run.path / "trials" / f"trial_{number}" / "history.json"


def test_a_complete_trial_has_its_curves_plots_and_model(run: RunFolder):
    files = trial_files(run, find_trial(results_of(run), run, 3))
    assert files.learning_curves["val_accuracy"] == pytest.approx([0.2, 0.4, 0.53])
    assert set(files.learning_curves) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(curve) == 3 for curve in files.learning_curves.values())
    assert files.plots == ["training_history.png"]
    assert files.has_model and not files.has_monitoring
    assert files.notes == []


def test_a_pruned_trial_has_its_curve_so_far_and_says_why_it_has_no_model(run: RunFolder):
    files = trial_files(run, find_trial(results_of(run), run, 2))
    assert files.learning_curves["val_accuracy"] == [0.1]  # stopped after its first epoch
    assert not files.has_model
    assert len(files.notes) == 1 and "pruned" in files.notes[0]
    assert "nan_in_loss" in files.notes[0]


def test_a_failed_trial_says_what_failed(run: RunFolder):
    files = trial_files(run, find_trial(results_of(run), run, 1))
    assert not files.has_model
    assert any("failed" in n and "boom: out of memory" in n for n in files.notes)


def test_a_complete_trial_whose_model_is_gone_says_so(run: RunFolder):
    (run.path / "trials" / "trial_4" / "model.keras").unlink()
    files = trial_files(run, find_trial(results_of(run), run, 4))
    assert not files.has_model
    assert files.notes == [
        "no model: trials/trial_4/model.keras is not there (a remote trial whose files were "
        "not fetched, or a file removed since)"
    ]


def test_non_finite_epochs_read_as_none(run: RunFolder):
    history_file(run, 3).write_text('{"val_loss": [0.5, NaN, Infinity, 1]}')
    assert learning_curves(run, 3) == {"val_loss": [0.5, None, None, 1.0]}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"val_loss": [0.5', "not valid JSON"),
        ('{"val_loss": [0.5, "0.4"]}', "val_loss.1"),
        ('{"val_loss": 0.5}', "val_loss"),
        ("[0.5, 0.4]", "(top level)"),
    ],
)
def test_a_damaged_history_is_an_error_naming_it_never_an_empty_curve(
    run: RunFolder, text: str, problem: str
):
    history_file(run, 3).write_text(text)
    with pytest.raises(TrialFileUnreadable, match="curves/trials/trial_3/history.json") as caught:
        trial_files(run, find_trial(results_of(run), run, 3))
    assert problem in str(caught.value)
    assert str(run.path) not in str(caught.value)  # named within the results folder


def test_a_trial_without_history_or_plots_notes_both(run: RunFolder):
    history_file(run, 4).unlink()
    shutil.rmtree(run.path / "plots" / "trial_4")
    files = trial_files(run, find_trial(results_of(run), run, 4))
    assert files.learning_curves == {} and files.plots == []
    assert [n.split(":")[0] for n in files.notes] == ["no learning curves", "no plots"]


def test_only_png_files_are_plots(run: RunFolder):
    folder = run.path / "plots" / "trial_3"
    (folder / "notes.txt").write_text("not a plot")
    (folder / "a_first.png").write_bytes(b"png")
    assert trial_plots(run, 3) == ["a_first.png", "training_history.png"]
    assert trial_plots(run, 99) == []


def test_layer_monitoring_is_seen_by_its_observer_file(run: RunFolder):
    (run.path / "trials" / "trial_3" / "observer.json").write_text(json.dumps({"epochs": []}))
    assert trial_files(run, find_trial(results_of(run), run, 3)).has_monitoring


def test_the_rank_is_the_place_in_the_runs_ranking(run: RunFolder):
    results = results_of(run)
    # Complete trials 0, 3, 4, 5 with accuracy 0.5 + n/100: the last is chosen, then down.
    assert results.ranking == [5, 4, 3, 0]
    assert [trial_rank(results, n) for n in range(TRIALS)] == [4, None, None, 3, 2, 1]


def test_an_unknown_trial_is_not_found(run: RunFolder):
    with pytest.raises(TrialNotFound, match="run 'curves' has no finished trial 42"):
        find_trial(results_of(run), run, 42)
    with pytest.raises(TrialNotFound):
        find_trial(None, run, 0)
