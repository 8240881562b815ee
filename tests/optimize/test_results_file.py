"""results.json written at a pace that does not grow with the run (`optimize.results_file`)."""

from __future__ import annotations

from pathlib import Path

from healthopt.config import ScoringWeights
from healthopt.optimize.results_file import ResultsFile
from healthopt.records import RunResults, TrialRecord


class Clock:
    """A clock the test moves by hand, so no test waits on time."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _results(trials: int) -> RunResults:
    return RunResults.create(
        run_name="r",
        dataset="digits",
        mode="simple",
        trials_requested=trials,
        scoring_weights=ScoringWeights.for_mode("simple").to_dict(),
        trials=[TrialRecord(number=n, state="COMPLETE", value=0.5) for n in range(trials)],
    )


def _written(path: Path) -> RunResults:
    return RunResults.from_json(path.read_text())


def test_after_a_trial_it_is_written_at_most_once_per_interval(tmp_path: Path):
    clock = Clock()
    results_file = ResultsFile(tmp_path, interval=1.0, clock=clock)
    assert results_file.write_due(_results(1))  # the first trial always writes
    assert _written(results_file.path) == _results(1)

    clock.now += 0.4
    assert not results_file.write_due(_results(2))  # a quick second trial shares the next
    assert len(_written(results_file.path).trials) == 1

    clock.now += 0.6
    assert results_file.write_due(_results(3))
    assert len(_written(results_file.path).trials) == 3


def test_the_run_s_own_writes_are_never_skipped(tmp_path: Path):
    clock = Clock()
    results_file = ResultsFile(tmp_path, interval=60.0, clock=clock)
    results_file.write(_results(1))
    results_file.write(_results(2))  # e.g. the run ends a moment after its last trial
    assert len(_written(results_file.path).trials) == 2
    assert not (tmp_path / "results.json.tmp").exists()
