"""The monitoring report of a real digits model, opened from disk in headless Chromium.

A small CNN trains 6 epochs with `dead`, a layer made dead on purpose (a bias of -50 keeps
its ReLU units at zero), under the observer; `write_monitoring` writes its folder, and the
page must show the class table, the dead layer as an Archivist that never learned, and every
image decoded (inline data, nothing fetched). The browser, its options and the full-page
screenshot taker are test_dashboard.py's; the page is saved as `monitoring_report.png`,
also to HEALTHOPT_SCREENSHOT_DIR when set (how docs/screenshots/monitoring_report.png is
made).
"""

from __future__ import annotations

from pathlib import Path

import keras
import pytest
from selenium.webdriver.common.by import By

from healthopt.data import load_dataset
from healthopt.monitoring.report import write_monitoring
from healthopt.records import EpochRecord
from healthopt.training.observer import TrainingObserver

from ..e2e import test_dashboard as dashboard
from ..e2e.test_dashboard import by_id, evidence_on_failure, find, wait

pytestmark = pytest.mark.slow
browser = dashboard.browser
downloads = dashboard.downloads
screenshots = dashboard.screenshots
EPOCHS = 6
PROBE = 128


def _dead_layer_records() -> list[EpochRecord]:
    data = load_dataset("digits", seed=0)
    keras.utils.set_random_seed(0)
    inputs = keras.Input(data.input_shape)
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(32, activation="relu", name="hidden")(x)
    dead = keras.layers.Dense(
        16, activation="relu", name="dead", bias_initializer=keras.initializers.Constant(-50.0)
    )(x)
    side = keras.layers.Dense(16, activation="tanh", name="side")(keras.layers.Flatten()(inputs))
    x = keras.layers.Concatenate()([dead, side])
    outputs = keras.layers.Dense(10, activation="softmax", name="out")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    observer = TrainingObserver(
        data.train.x[:PROBE], data.train.y[:PROBE], len(data.train), batch_size=64
    )
    model.fit(
        data.train.x, data.train.y, epochs=EPOCHS, batch_size=64, verbose=0, callbacks=[observer]
    )
    return observer.records


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("monitoring")
    files = write_monitoring(_dead_layer_records(), out, title="digits CNN with a dead layer")
    assert "distribution_evolution.gif" in files.written, files.notes
    return out / "monitoring_report.html"


def test_the_report_opens_from_disk_with_every_image_shown(report, browser, screenshots, tmp_path):
    with evidence_on_failure(browser, tmp_path):
        browser.get(report.as_uri())
        wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
        table = find(browser, "layer-table")
        rows = {
            cells[0].text: [cell.text for cell in cells]
            for cells in (
                row.find_elements(By.TAG_NAME, "td")
                for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")
            )
        }
        assert list(rows) == ["conv", "hidden", "dead", "side", "out"]
        assert rows["dead"][1:3] == ["Dense", "Archivist"]
        assert "not learning" in rows["dead"][-1]
        assert "never learned" in find(browser, "anomalies").text
        assert len(browser.find_elements(*by_id("class-strip"))) == 1
        images = browser.find_elements(By.TAG_NAME, "img")
        assert len(images) >= 5 * 4 + 3  # four per layer, the strip, the metrics, the GIF
        wait(
            browser,
            lambda d: d.execute_script(
                "return [...document.images].every(i => i.complete && i.naturalWidth > 0)"
            ),
            message="an image of the report did not decode",
        )
        sources = browser.execute_script("return [...document.images].map(i => i.src)")
        assert all(src.startswith("data:image/") for src in sources)
        screenshots(browser, "monitoring_report")
