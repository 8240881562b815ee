"""The 3D architecture view in headless Chromium: a CNN's best model and an LSTM's trial.

Makes a bidirectional-LSTM CLI run on a small text table before the server starts (`healthopt
optimize --dataset csv:... --text-column`, seed 1 draws `use_bidirectional`), then starts
`healthopt serve` and the built dashboard, and runs a 1-trial `digits` CNN job through the API.

On the CNN's best-model page the test switches to 3D and reads the WebGL canvas's pixels: they
must differ from the background. It clicks a box at its projected screen point and sees the
shared details panel change to that layer; it selects a layer in the list and sees the 3D
selection ring move there; it plays the forward-propagation animation and sees the ring cross
at least three layers in model order. Headless Chromium runs WebGL through SwiftShader; if it
cannot start there, the test says so (a warning) and checks the readable fallback instead. On
a phone-sized window the 3D panel falls back to a message beside the graph. The SVG and PDF
diagrams are fetched as the dashboard links them. The Architecture cards are saved as
`architecture_3d_cnn.png` and `architecture_3d_lstm.png`, also to HEALTHOPT_SCREENSHOT_DIR when
set (how docs/screenshots/ gets them). The dashboard, the browser and the helpers are
test_dashboard.py's.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from . import test_dashboard as dashboard
from .serving import Server
from .test_dashboard import (
    DESKTOP,
    PHONE,
    Dashboard,
    by_id,
    evidence_on_failure,
    find,
    no_sideways_scroll,
    resize,
    wait,
)
from .test_trial_pages import too_wide

pytestmark = pytest.mark.slow
browser = dashboard.browser
downloads = dashboard.downloads
screenshots = dashboard.screenshots

LSTM_RUN = "lstm_reviews"
# One short trial each: the view needs a trained model's records, not a good model.
CNN_REQUEST = {
    "dataset_name": "digits",
    "trials": 1,
    "max_epochs_per_trial": 2,
    "pruner": "none",
    "health_pruning": False,
    "plot_generation": "none",
    "seed": 3,
}
LSTM_OPTIMIZE = ["--label", "label", "--text-column", "text", "--trials", "1", "--epochs", "2",
                 "--plots", "none", "--pruner", "none", "--seed", "1",
                 "--run-name", LSTM_RUN]  # fmt: skip
# Share of canvas pixels that must differ from the background colour: the boxes of the
# smallest model cover several percent of the view; a blank canvas has none.
MIN_DRAWN_SHARE = 0.01
# What the screenshots show: the Architecture card (graph, 3D view, list, details).
ARCHITECTURE_CARD = 'section[aria-labelledby="architecture-title"]'


def write_reviews(path: Path, rows: int = 240) -> None:
    """A two-class text table: filler words with a few words that carry the label."""
    rng = random.Random(0)
    good = "great fine lovely superb happy bright calm kind".split()
    bad = "awful poor gloomy sad broken dull harsh cold".split()
    filler = "the a movie day film story was is very quite and".split()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(rows):
            label = i % 2
            words = [rng.choice(filler) for _ in range(8)]
            words += [rng.choice(good if label else bad) for _ in range(3)]
            rng.shuffle(words)
            writer.writerow([" ".join(words), "positive" if label else "negative"])


def made_lstm_run(results: Path) -> dict:
    """`healthopt optimize` of the built-in text space on a CSV, as a user would run it."""
    table = results.parent / "reviews.csv"
    write_reviews(table)
    command = [sys.executable, "-m", "healthopt.cli", "optimize", "--dataset", f"csv:{table}",
               *LSTM_OPTIMIZE, "--output-dir", str(results)]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHOPT_")}
    done = subprocess.run(
        command, cwd=results.parent, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((results / LSTM_RUN / "results.json").read_text())


@pytest.fixture(scope="module")
def stack_3d(tmp_path_factory) -> Iterator[tuple[Server, Dashboard, dict]]:
    root = tmp_path_factory.mktemp("architecture_3d")
    lstm = made_lstm_run(root / "results")  # Server serves root/"results"
    with dashboard.running_stack(root) as (api, ui):
        yield api, ui, lstm


def test_a_cnns_best_model_in_3d(stack_3d, browser, screenshots, tmp_path):
    api, ui, _ = stack_3d
    with evidence_on_failure(browser, tmp_path):
        job_id = api.post("/optimize", CNN_REQUEST)["job_id"]
        status = api.wait_status(
            job_id, lambda s: s["status"] not in ("pending", "running"), timeout=300
        )
        assert status["status"] == "completed", status
        best = api.get(f"/jobs/{job_id}/best-model")
        explore_in_3d(browser, f"{ui.base}/best?job={job_id}", best["architecture"])
        check_diagrams(api, best, "Conv2D")
        screenshots(browser, "architecture_3d_cnn", ARCHITECTURE_CARD)
        phone_falls_back(browser)


def test_an_lstms_trial_in_3d(stack_3d, browser, screenshots, tmp_path):
    api, ui, lstm = stack_3d
    with evidence_on_failure(browser, tmp_path):
        number = lstm["best_trial"]
        detail = api.get(f"/runs/{LSTM_RUN}/trials/{number}")
        layers = detail["architecture"]["visualization"]["layers"]
        assert any(layer["bidirectional"] for layer in layers), "seed 1 drew a bidirectional LSTM"
        view = explore_in_3d(
            browser, f"{ui.base}/trial?run={LSTM_RUN}&n={number}", detail["architecture"]
        )
        if view == "ready":
            # The bidirectional layer is two boxes, and hovering one names its direction.
            assert int(find(browser, "architecture-3d").get_attribute("data-layer-count")) == (
                len(layers) + sum(1 for layer in layers if layer["bidirectional"])
            )
            lstm_layer = next(layer for layer in layers if layer["bidirectional"])
            hover(browser, lstm_layer["layer_id"])
            tooltip = wait(
                browser,
                lambda d: (t := d.find_element(*by_id("layer-tooltip"))).is_displayed() and t,
                10,
                "no tooltip over the LSTM",
            )
            assert lstm_layer["layer_id"] in tooltip.text
            assert "forward" in tooltip.text or "backward" in tooltip.text, tooltip.text
        check_diagrams(api, detail, "Bidirectional")
        screenshots(browser, "architecture_3d_lstm", ARCHITECTURE_CARD)


def explore_in_3d(driver, url: str, architecture: dict) -> str:
    """Opens `url`, switches to 3D and checks what it shows; returns the view's state."""
    resize(driver, DESKTOP)
    driver.get(url)
    graph = find(driver, "architecture-graph", timeout=90)
    wait(driver, lambda d: graph.get_attribute("data-rendered") == "true", 30, "no graph")
    for diagram in ("download-architecture-svg", "download-architecture-pdf"):
        assert not find(driver, diagram).get_property("disabled"), f"{diagram} is not offered"
    find(driver, "view-3d-toggle").click()
    view = find(driver, "architecture-3d")
    wait(driver, lambda d: view.get_attribute("data-state") in ("ready", "fallback"), 30)
    if view.get_attribute("data-state") == "fallback":
        warnings.warn(
            "WebGL could not start in headless Chromium: checked the 3D view's fallback instead",
            stacklevel=2,
        )
        assert find(driver, "architecture-3d-fallback").text.strip()
        assert graph.is_displayed()
        return "fallback"

    drawn, total = canvas_pixels_off_background(driver)
    assert drawn / total >= MIN_DRAWN_SHARE, f"the 3D canvas is blank: {drawn} of {total} pixels"

    layers = architecture["visualization"]["layers"]
    ids = [layer["layer_id"] for layer in layers]
    # A click on a box selects its layer in the details panel the graph and the list share.
    target = ids[len(ids) // 2]
    click_box(driver, target)
    details = find(driver, "node-details")
    wait(driver, lambda d: target in details.text, 10, f"clicking {target} did not select it")
    button = driver.find_element(
        By.CSS_SELECTOR, f'[data-testid="layer-button"][data-layer-id="{target}"]'
    )
    assert button.get_attribute("aria-pressed") == "true"
    # Selecting in the list (as in the graph) moves the 3D selection ring.
    other = ids[0]
    driver.find_element(
        By.CSS_SELECTOR, f'[data-testid="layer-button"][data-layer-id="{other}"]'
    ).click()
    wait(driver, lambda d: view.get_attribute("data-ring-layer-id") == other, 10, "ring stayed")

    # The animation: the ring crosses the layers in model order, lit by a real signal.
    play = find(driver, "play-forward")
    assert play.is_enabled(), "the trial has per-layer signals, so the animation can play"
    play.click()
    seen: list[str] = []
    deadline = time.monotonic() + 4 + 1.0 * len(ids)
    while time.monotonic() < deadline:
        ring = view.get_attribute("data-ring-layer-id")
        if ring and (not seen or seen[-1] != ring):
            seen.append(ring)
        if len(set(seen)) >= min(len(ids), 4) and ids[-1] in seen:
            break
        time.sleep(0.05)
    visited = [layer for layer in seen if layer in ids]
    assert len(set(visited)) >= 3, f"the pulse visited {seen}"
    positions = [ids.index(layer) for layer in dict.fromkeys(visited)]
    assert positions == sorted(positions), f"the pulse went out of order: {visited}"
    return "ready"


def canvas_pixels_off_background(driver) -> tuple[int, int]:
    """Pixels of the WebGL canvas whose colour differs from its corner's (the background)."""
    return tuple(
        driver.execute_script(
            """const canvas = document.querySelector('[data-testid="architecture-3d-canvas"]');
               const copy = document.createElement("canvas");
               copy.width = canvas.width; copy.height = canvas.height;
               const context = copy.getContext("2d");
               context.drawImage(canvas, 0, 0);
               const pixels = context.getImageData(0, 0, copy.width, copy.height).data;
               const [r, g, b] = [pixels[0], pixels[1], pixels[2]];
               let drawn = 0;
               for (let i = 0; i < pixels.length; i += 4) {
                 const off = Math.abs(pixels[i] - r) + Math.abs(pixels[i + 1] - g)
                   + Math.abs(pixels[i + 2] - b);
                 if (off > 24) drawn += 1;
               }
               return [drawn, copy.width * copy.height];"""
        )
    )


def box_offset(driver, layer_id: str) -> tuple[int, int]:
    """The box's projected centre as an offset from the canvas's centre (Selenium's origin)."""
    point = driver.execute_script("return window.__healthopt3d.screenPoint(arguments[0])", layer_id)
    assert point is not None, f"{layer_id} has no box on screen"
    canvas = find(driver, "architecture-3d-canvas")
    size = canvas.size
    return round(point["x"] - size["width"] / 2), round(point["y"] - size["height"] / 2)


def click_box(driver, layer_id: str) -> None:
    x, y = box_offset(driver, layer_id)
    canvas = find(driver, "architecture-3d-canvas")
    ActionChains(driver).move_to_element_with_offset(canvas, x, y).click().perform()


def hover(driver, layer_id: str) -> None:
    x, y = box_offset(driver, layer_id)
    canvas = find(driver, "architecture-3d-canvas")
    ActionChains(driver).move_to_element_with_offset(canvas, x, y).perform()


def check_diagrams(api: Server, model: dict, layer_type: str) -> None:
    """The SVG and PDF the dashboard links: one labelled box per layer, a PDF that opens."""
    layers = model["architecture"]["visualization"]["layers"]
    with urllib.request.urlopen(api.base + model["architecture_svg_url"], timeout=30) as reply:
        assert reply.headers["Content-Type"].startswith("image/svg+xml")
        svg = reply.read().decode()
    assert svg.count('id="layer-box-') == len(layers)
    assert layer_type in svg
    with urllib.request.urlopen(api.base + model["architecture_pdf_url"], timeout=30) as reply:
        assert reply.headers["Content-Type"] == "application/pdf"
        pdf = PdfReader(io.BytesIO(reply.read()))
    assert layers[0]["layer_id"] in pdf.pages[0].extract_text()


def phone_falls_back(driver) -> None:
    """On a phone the 3D panel is a message beside the graph, never a blank canvas."""
    resize(driver, PHONE)
    view = find(driver, "architecture-3d")
    wait(driver, lambda d: view.get_attribute("data-state") == "fallback", 10, "no fallback")
    assert find(driver, "architecture-3d-fallback").text.strip()
    assert find(driver, "architecture-graph").is_displayed()
    wait(driver, no_sideways_scroll, 10, f"wider than a phone: {too_wide(driver)}")
    resize(driver, DESKTOP)
