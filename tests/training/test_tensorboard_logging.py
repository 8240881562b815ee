"""A trial's own TensorBoard event files, read back with TensorBoard's own event reader."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.util import tensor_util

from healthopt.api.tensorboard import TensorBoardManager
from healthopt.data import Dataset, Split
from healthopt.training import trainer
from healthopt.training.tensorboard_logging import (
    HParamsSummary,
    ProbeSummaries,
    trial_callbacks,
)
from healthopt.training.trainer import TrainingOutcome

EPOCHS = 2
PARAMS = {"learning_rate": 0.01, "optimizer": "adam", "dropout": None, "units": 8, "bn": True}
# Every variable of the model below, as Keras names it ("<layer>/<weight>").
VARIABLES = {"hidden/kernel": 4 * 8, "hidden/bias": 8, "predictions/kernel": 8 * 3}
VARIABLES["predictions/bias"] = 3


def tiny_dataset() -> Dataset:
    rng = np.random.default_rng(0)

    def split(n: int) -> Split:
        x = rng.normal(size=(n, 4)).astype("float32")
        return Split(x, ((x[:, 0] > 0).astype("int64") + (x[:, 1] > 1)))

    return Dataset("tiny", "tabular", 3, 0, split(64), split(32), split(16), split(16))


def tiny_model() -> keras.Model:
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@dataclass(frozen=True)
class Trained:
    run_dir: Path
    log_dir: Path
    outcome: TrainingOutcome


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Trained:
    """A run folder whose trial 3 trained for two epochs with the trial callbacks."""
    run_dir = tmp_path_factory.mktemp("run")
    log_dir = run_dir / "trials" / "trial_3" / "tensorboard"
    trainer.set_seed(0)
    callbacks = trial_callbacks(log_dir, PARAMS, "trial_0003")
    outcome = trainer.fit(tiny_model(), tiny_dataset(), EPOCHS, 16, callbacks=callbacks)
    return Trained(run_dir, log_dir, outcome)


def accumulator(run: Path) -> EventAccumulator:
    events = EventAccumulator(str(run), size_guidance={"tensors": 0})
    events.Reload()
    return events


def scalars(events: EventAccumulator, tag: str) -> list[tuple[int, float]]:
    return [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in events.Tensors(tag)]


def histogram_counts(events: EventAccumulator, tag: str) -> list[tuple[int, float]]:
    """(step, how many values the histogram counted) for each step of a histogram tag."""
    assert events.SummaryMetadata(tag).plugin_data.plugin_name == "histograms"
    return [
        (e.step, float(tensor_util.make_ndarray(e.tensor_proto)[:, 2].sum()))
        for e in events.Tensors(tag)
    ]


def test_keras_writes_epoch_scalars_for_train_and_validation(trained: Trained) -> None:
    history = trained.outcome.history
    for run, prefix in [("train", ""), ("validation", "val_")]:
        events = accumulator(trained.log_dir / run)
        for tag in ("epoch_loss", "epoch_accuracy"):
            points = scalars(events, tag)
            assert [step for step, _ in points] == list(range(EPOCHS)), (run, tag)
            expected = history[prefix + tag.removeprefix("epoch_")]
            assert [value for _, value in points] == pytest.approx(expected, rel=1e-6)


def test_every_weight_has_a_histogram_each_epoch_in_the_health_run(trained: Trained) -> None:
    events = accumulator(trained.log_dir / "health")
    for variable, size in VARIABLES.items():
        assert histogram_counts(events, f"{variable}/histogram") == [(0, size), (1, size)]
    # Keras' callback draws none: its own histograms cost ten times ours (module docstring).
    train = accumulator(trained.log_dir / "train").Tags()["tensors"]
    assert not [tag for tag in train if tag.endswith("/histogram")]


def test_probe_gradients_and_layer_health_go_to_the_health_run(trained: Trained) -> None:
    events = accumulator(trained.log_dir / "health")
    for variable, size in VARIABLES.items():
        assert histogram_counts(events, f"{variable}/gradient") == [(0, size), (1, size)]
    for layer in ("hidden", "predictions"):
        for figure in ("gradient_norm", "dead_unit_fraction"):
            recorded = [getattr(r.layers[layer], figure) for r in trained.outcome.records]
            points = scalars(events, f"{layer}/{figure}")
            assert [step for step, _ in points] == [0, 1]
            assert [value for _, value in points] == pytest.approx(recorded, rel=1e-6)
    assert trained.outcome.records[0].layers["hidden"].gradient_norm > 0


def test_the_trial_folder_holds_its_hparams_session(trained: Trained) -> None:
    events = accumulator(trained.log_dir)
    [tag] = events.Tags()["tensors"]
    content = events.SummaryMetadata(tag).plugin_data
    assert content.plugin_name == hparams_metadata.PLUGIN_NAME
    session = hparams_metadata.parse_session_start_info_plugin_data(content.content)
    assert session.group_name == "trial_0003"
    params = {name: value.WhichOneof("kind") for name, value in session.hparams.items()}
    assert params == {
        "learning_rate": "number_value",
        "optimizer": "string_value",
        "units": "number_value",
        "bn": "bool_value",
    }  # the None dropout is left out: the plugin has no null
    assert session.hparams["learning_rate"].number_value == 0.01
    assert session.hparams["optimizer"].string_value == "adam"
    assert session.hparams["bn"].bool_value is True


def test_trial_callbacks_are_keras_tensorboard_then_ours(tmp_path: Path) -> None:
    board, probe, hparams = trial_callbacks(tmp_path, {"a": 1}, "trial_0000")
    assert isinstance(board, keras.callbacks.TensorBoard)
    assert (board.histogram_freq, board.write_graph, board.update_freq) == (0, False, "epoch")
    assert isinstance(probe, ProbeSummaries) and probe.run_dir == tmp_path / "health"
    assert isinstance(hparams, HParamsSummary) and hparams.hparams == {"a": 1}


def test_bad_hparams_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"hparam 'layers' is list"):
        trial_callbacks(tmp_path, {"layers": [1, 2]}, "trial_0000")  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="trial_id"):
        trial_callbacks(tmp_path, {"a": 1}, "")


def request(port: int, path: str, body: dict[str, Any] | None = None) -> Any:
    """GET `path`, or POST `body` as JSON as TensorBoard's own frontend does."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        if body is None:
            connection.request("GET", path)
        else:
            headers = {"Content-Type": "application/json", "X-XSRF-Protected": "1"}
            connection.request("POST", path, json.dumps(body), headers)
        response = connection.getresponse()
        assert response.status == 200, (path, response.status)
        return json.loads(response.read())
    finally:
        connection.close()


def test_the_servers_tensorboard_shows_histograms_and_hparams(trained: Trained) -> None:
    """The server's TensorBoard (run without TensorFlow) serves the trial's own files."""
    manager = TensorBoardManager(ports=range(26006, 29999))  # it skips ports in use
    try:
        status = manager.start("job", trained.run_dir)
        assert status.logdir == trained.run_dir
        assert manager.wait_ready("job", timeout=30) and status.port is not None
        port, run = status.port, "trials/trial_3/tensorboard"
        deadline = time.monotonic() + 20
        while not (tags := request(port, "/data/plugin/histograms/tags")).get(f"{run}/health"):
            assert time.monotonic() < deadline, "TensorBoard never loaded the histograms"
            time.sleep(0.2)
        listing = request(port, "/data/plugins_listing")
        assert all(listing[name]["enabled"] for name in ("scalars", "histograms", "hparams"))
        assert {f"{v}/gradient" for v in VARIABLES} | {f"{v}/histogram" for v in VARIABLES} == set(
            tags[f"{run}/health"]
        )

        experiment = request(port, "/data/plugin/hparams/experiment", {"experimentName": ""})
        assert {info["name"] for info in experiment["hparamInfos"]} == {
            "learning_rate",
            "optimizer",
            "units",
            "bn",
        }
        metrics = {(m["name"]["group"], m["name"]["tag"]) for m in experiment["metricInfos"]}
        assert {("validation", "epoch_accuracy"), ("train", "epoch_loss")} <= metrics
        groups = request(
            port,
            "/data/plugin/hparams/session_groups",
            {
                "experimentName": "",
                # No session end is written, so the trial's status reads as unknown.
                "allowedStatuses": ["STATUS_UNKNOWN"],
                "colParams": [],
                "startIndex": 0,
                "sliceSize": 10,
            },
        )["sessionGroups"]
        assert [group["name"] for group in groups] == ["trial_0003"]
        values = {
            (m["name"]["group"], m["name"]["tag"]): m["value"] for m in groups[0]["metricValues"]
        }
        expected = trained.outcome.history["val_accuracy"][-1]
        assert values[("validation", "epoch_accuracy")] == pytest.approx(expected)
    finally:
        manager.shutdown()
