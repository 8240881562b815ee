"""draw_forked: every figure's outcome comes back, whatever happens to the process drawing it."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from healthopt.plots.trial import forked
from healthopt.plots.trial.forked import Drawn, ForkFailed, draw_forked

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="figures are forked on Linux only")
NAMES = [f"figure_{i}.png" for i in range(8)]


def _recording(folder: Path, seconds: float = 0.0, **fates: str):
    """A draw function that notes which process drew each name, sleeps, and meets the fate
    named for it: "kill" (SIGKILL), "exit" (os._exit(3)), "hang", else a skip reason."""

    def draw(name: str) -> Drawn:
        fate = fates.get(name)
        if fate == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if fate == "exit":
            os._exit(3)
        if fate == "hang":
            time.sleep(3600)
        (folder / name).write_text(str(os.getpid()))
        time.sleep(seconds)
        return Drawn(name, fate, seconds)

    return draw


def test_every_name_is_drawn_once_by_worker_processes(tmp_path: Path):
    done = draw_forked(_recording(tmp_path, seconds=0.1), NAMES, workers=2)
    assert list(sorted(done)) == sorted(NAMES)
    assert all(d == Drawn(name, None, 0.1) for name, d in done.items())
    pids = {int((tmp_path / name).read_text()) for name in NAMES}
    assert os.getpid() not in pids  # drawn in the workers, not here
    assert len(pids) == 2  # both workers took figures from the shared queue


def test_a_skip_reason_comes_back_as_sent(tmp_path: Path):
    draw = _recording(tmp_path, **{"figure_2.png": "observer.json not found"})
    done = draw_forked(draw, NAMES, workers=2)
    assert done["figure_2.png"].skipped == "observer.json not found"
    assert all(done[n].skipped is None for n in NAMES if n != "figure_2.png")


def test_a_killed_worker_costs_only_the_figure_it_was_drawing(tmp_path: Path):
    draw = _recording(tmp_path, **{"figure_1.png": "kill", "figure_5.png": "exit"})
    done = draw_forked(draw, NAMES, workers=2)
    assert sorted(done) == sorted(NAMES)
    assert done["figure_1.png"].skipped == (
        "failed while drawing: its drawing process was killed by SIGKILL"
    )
    assert done["figure_5.png"].skipped == (
        "failed while drawing: its drawing process exited with status 3"
    )
    others = [n for n in NAMES if n not in ("figure_1.png", "figure_5.png")]
    assert all(done[n].skipped is None for n in others)
    assert all((tmp_path / n).is_file() for n in others)


def test_when_every_worker_dies_each_figure_is_still_reported(tmp_path: Path):
    names = NAMES[:4]
    done = draw_forked(_recording(tmp_path, **dict.fromkeys(names, "kill")), names, workers=2)
    assert sorted(done) == sorted(names)
    assert all("killed by SIGKILL" in (done[n].skipped or "") for n in names)


def test_a_long_error_message_is_cut_to_one_atomic_line(tmp_path: Path):
    reason = "failed while drawing: ValueError: " + "é" * 10_000  # 6 bytes each as JSON
    done = draw_forked(_recording(tmp_path, **{"figure_0.png": reason}), NAMES, workers=2)
    sent = done["figure_0.png"].skipped
    assert sent is not None and sent.endswith(" …") and reason.startswith(sent[:-2])
    assert all(done[n].skipped is None for n in NAMES[1:])


def test_more_workers_than_figures_and_no_figures_at_all(tmp_path: Path):
    assert draw_forked(_recording(tmp_path), NAMES[:1], workers=8) == {
        NAMES[0]: Drawn(NAMES[0], None, 0.0)
    }
    assert draw_forked(_recording(tmp_path), [], workers=2) == {}


def test_fork_failing_for_every_worker_raises_fork_failed(tmp_path: Path, monkeypatch):
    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forked, "_fork", no_fork)
    with pytest.raises(ForkFailed):
        draw_forked(_recording(tmp_path), NAMES, workers=2)


def test_a_figure_being_drawn_in_another_thread_does_not_lock_up_the_workers():
    """Every Figure.draw holds one lock; forked while another thread held it, a worker would
    wait for it forever. The fork waits for it instead."""
    holding, release = threading.Event(), threading.Event()

    def drawing_elsewhere() -> None:
        with forked._RENDER_LOCK:
            holding.set()
            release.wait(5)

    other = threading.Thread(target=drawing_elsewhere)
    other.start()
    holding.wait(5)
    threading.Timer(0.3, release.set).start()

    def draw(name: str) -> Drawn:
        free = forked._RENDER_LOCK.acquire(timeout=2)  # type: ignore[attr-defined]
        return Drawn(name, None if free else "the render lock is held", 0.0)

    done = draw_forked(draw, NAMES[:2], workers=2)
    other.join()
    assert [d.skipped for d in done.values()] == [None, None]


def test_a_hanging_worker_is_killed_and_costs_only_its_figure(tmp_path: Path, monkeypatch):
    """A worker silent past the limit (a lock held at fork time) is killed: its figure is
    reported failed, the others are drawn, and the call returns."""
    monkeypatch.setattr(forked, "SILENCE_LIMIT_S", 1.0)
    draw = _recording(tmp_path, **{"figure_3.png": "hang"})
    started = time.monotonic()
    done = draw_forked(draw, NAMES, workers=2)
    assert time.monotonic() - started < 60
    assert done["figure_3.png"].skipped == (
        "failed while drawing: its drawing process was killed by SIGKILL"
    )
    assert sorted(done) == sorted(NAMES)
