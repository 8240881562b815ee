"""The dashboard in headless Chromium (Debian's, driven by Selenium and its chromedriver).

Starts `healthopt serve` and the built Next.js app (`make ui`), configures a 2-trial `digits`
run through the form, watches it complete, opens the best model, checks that the graph
renders and reacts to a click, and downloads the model. Screenshots go to the test's output
folder, and also to HEALTHOPT_SCREENSHOT_DIR when set (how docs/screenshots/ is made).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from ..http_server import unused_port
from .serving import Server

pytestmark = pytest.mark.slow
WEB = Path(__file__).parents[2] / "web-ui"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
DESKTOP = (1280, 1000)
PHONE = (390, 844)
MAX_WORKERS = 2
EPOCHS = 4  # enough for the second trial's epochs to be seen live


class Dashboard:
    """`next start` of the built web-ui, pointed at one API server."""

    def __init__(self, root: Path, port: int, api_url: str) -> None:
        if not (WEB / ".next" / "BUILD_ID").is_file():
            raise AssertionError("the dashboard is not built: run `make ui` (or `make test`)")
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = root / "next.log"
        env = {**os.environ, "HEALTHOPT_API_URL": api_url, "NEXT_TELEMETRY_DISABLED": "1"}
        self.process = subprocess.Popen(
            [str(WEB / "node_modules" / ".bin" / "next"), "start", "--hostname", "127.0.0.1",
             "--port", str(port)],
            cwd=WEB, env=env, stdout=self.log_path.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/runtime-config", timeout=5) as reply:
                    assert json.loads(reply.read())["apiUrl"] == api_url
                    return
            except OSError:
                assert self.process.poll() is None, self.log_path.read_text()[-3000:]
                time.sleep(0.3)
        raise AssertionError("the dashboard did not start\n" + self.log_path.read_text()[-3000:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def running_stack(
    root: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[Server, Dashboard]]:
    """`healthopt serve` (with `env`) and the built dashboard calling it, stopped afterwards."""
    ui_port = unused_port()
    api = Server(root, env={"HEALTHOPT_CORS_ORIGINS": f"http://127.0.0.1:{ui_port}", **(env or {})})
    api.start()
    try:
        ui = Dashboard(root, ui_port, api.base)
    except BaseException:
        api.stop()
        raise
    try:
        yield api, ui
    finally:
        ui.stop()
        api.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple[Server, Dashboard]]:
    env = {"HEALTHOPT_MAX_WORKERS_PER_JOB": str(MAX_WORKERS)}
    with running_stack(tmp_path_factory.mktemp("dashboard"), env) as pair:
        yield pair


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-extensions",
                 "--no-first-run", "--hide-scrollbars",
                 # WebGL (the 3D architecture view) on SwiftShader, which Chromium now wants
                 # asked for by name instead of falling back to it.
                 "--enable-unsafe-swiftshader"):  # fmt: skip
        options.add_argument(flag)
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    # Chromium puts its singleton socket under $TMPDIR and aborts ("Socket path too long") when
    # that path passes the 107-byte Unix socket limit, as it does under a long $TMPDIR; give the
    # browser a short temporary folder of its own.
    browser_tmp = tempfile.mkdtemp(prefix="chromium-", dir="/tmp")
    service = Service(CHROMEDRIVER, env={**os.environ, "TMPDIR": browser_tmp})
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(browser_tmp, ignore_errors=True)


@contextmanager
def evidence_on_failure(driver: webdriver.Chrome, folder: Path) -> Iterator[None]:
    """On failure, keeps the page's HTML, a screenshot and the browser console (CI logs)."""
    try:
        yield
    except Exception as exc:
        driver.save_screenshot(str(folder / "failure.png"))
        (folder / "failure.html").write_text(driver.page_source)
        console = "\n".join(str(entry) for entry in driver.get_log("browser"))
        raise AssertionError(
            f"{exc}\nat {driver.current_url}; page and screenshot in {folder}\n{console[-2000:]}"
        ) from exc


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Callable[[webdriver.Chrome, str], Path]:
    folder = tmp_path_factory.mktemp("screenshots")
    published = os.environ.get("HEALTHOPT_SCREENSHOT_DIR")

    def take(driver: webdriver.Chrome, name: str, element: str | None = None) -> Path:
        """The whole page, or the element the CSS selector `element` names: the window is
        stretched to the document's height first, so neither is cut at the window's edge."""
        width = driver.execute_script("return window.innerWidth")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": min(height, 6000), "deviceScaleFactor": 1, "mobile": False},
        )
        path = folder / f"{name}.png"
        try:
            if element is None:
                driver.save_screenshot(str(path))
            else:
                target = driver.find_element(By.CSS_SELECTOR, element)
                driver.execute_script("arguments[0].scrollIntoView()", target)
                assert target.screenshot(str(path))
        finally:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        if published:
            Path(published).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(published) / path.name)
        return path

    return take


def by_id(test_id: str) -> tuple[str, str]:
    return By.CSS_SELECTOR, f'[data-testid="{test_id}"]'


def wait(driver: webdriver.Chrome, condition, timeout: float = 30, message: str = ""):
    return WebDriverWait(driver, timeout, poll_frequency=0.25).until(
        condition, message or "condition not met"
    )


def find(driver: webdriver.Chrome, test_id: str, timeout: float = 30) -> WebElement:
    return wait(driver, lambda d: d.find_element(*by_id(test_id)), timeout, f"no {test_id}")


def set_number(element: WebElement, value: int) -> None:
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(str(value))


def epoch_shown(driver: webdriver.Chrome) -> bool:
    """An epoch of the current trial has ended ("k / n" with k >= 1)."""
    done = driver.find_element(*by_id("current-epoch")).text.split("/")[0].strip()
    return done.isdigit() and int(done) >= 1


def no_sideways_scroll(driver: webdriver.Chrome) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


def resize(driver: webdriver.Chrome, size: tuple[int, int]) -> None:
    driver.set_window_size(*size)
    wait(driver, lambda d: d.execute_script("return window.innerWidth") <= size[0])


def test_a_run_configured_watched_and_downloaded_in_the_browser(
    stack, browser, downloads, screenshots, tmp_path
):
    with evidence_on_failure(browser, tmp_path):
        configure_watch_and_download(*stack, browser, downloads, screenshots)


def configure_watch_and_download(api: Server, ui: Dashboard, driver, downloads, screenshots):

    # -- configure -------------------------------------------------------------------------
    driver.get(ui.base + "/")
    dataset = Select(find(driver, "dataset-select"))
    wait(driver, lambda d: "digits" in [o.get_attribute("value") for o in dataset.options])
    dataset.select_by_value("digits")
    set_number(find(driver, "trials-input"), 2)
    set_number(find(driver, "epochs-input"), EPOCHS)
    find(driver, "mode-health-aware").click()
    accuracy = find(driver, "weight-accuracy")
    wait(driver, lambda d: accuracy.is_enabled())
    before = int(accuracy.get_attribute("value"))
    accuracy.send_keys(Keys.ARROW_LEFT * 5)  # keyboard: 5 percentage points from accuracy
    assert int(accuracy.get_attribute("value")) == before - 5
    assert int(find(driver, "weight-health").get_attribute("value")) == 100 - (before - 5)
    stability = find(driver, "weight-component-training_stability")
    stability.send_keys(Keys.ARROW_RIGHT * 10)
    components = driver.find_elements(By.CSS_SELECTOR, '[data-testid^="weight-component-"]')
    assert len(components) == 6
    assert sum(int(c.get_attribute("value")) for c in components) == 100
    assert find(driver, "weights-total").text.strip() == "100%"
    assert find(driver, "components-total").text.strip() == "100%"
    screenshots(driver, "configuration-desktop")
    find(driver, "start-button").click()

    # -- watch -----------------------------------------------------------------------------
    wait(driver, lambda d: "/run" in d.current_url and "job=" in d.current_url)
    job_id = driver.current_url.split("job=")[1].split("&")[0]
    status = api.get(f"/jobs/{job_id}/status")
    assert status["trials_total"] == 2 and status["mode"] == "health-aware"
    # The epoch shown live, from the WebSocket, while the second trial trains (so the chart and
    # the gallery already hold the first).
    wait(driver, lambda d: epoch_shown(d) and d.find_elements(*by_id("trial-card"))
         and d.find_element(*by_id("current-trial")).text.strip() == "1",
         timeout=180, message="no epoch of the second trial was shown")  # fmt: skip
    assert find(driver, "connection-mode").get_attribute("data-mode") == "websocket"
    screenshots(driver, "running-desktop")
    wait(
        driver,
        lambda d: d.find_element(*by_id("job-status")).get_attribute("data-status") == "completed",
        timeout=300,
        message="the job did not complete",
    )
    cards = wait(driver, lambda d: len(d.find_elements(*by_id("trial-card"))) == 2 and
                 d.find_elements(*by_id("trial-card")), timeout=30)  # fmt: skip
    best = [c for c in cards if c.get_attribute("data-best") == "true"]
    assert [c.get_attribute("data-trial") for c in best] == [str(status_best(api, job_id))]
    assert find(driver, "progress-trials").text.replace(" ", "") == "2/2"
    assert driver.find_elements(By.CSS_SELECTOR, '[data-testid="score-chart"] circle, '
                                '[data-testid="score-chart"] path')  # fmt: skip

    # -- best model ------------------------------------------------------------------------
    find(driver, "best-model-link").click()
    wait(driver, lambda d: "/best" in d.current_url)
    graph = find(driver, "architecture-graph")
    wait(driver, lambda d: graph.get_attribute("data-rendered") == "true", timeout=60)
    model = api.get(f"/jobs/{job_id}/best-model")
    nodes = [e["data"] for e in model["architecture"]["cytoscape"]["elements"]
             if "source" not in e["data"]]  # fmt: skip
    assert int(graph.get_attribute("data-node-count")) == len(nodes)
    legend = [item.text for item in driver.find_elements(*by_id("legend-item"))]
    assert len(legend) == len({n["category"] for n in nodes})

    # Select the output layer from the keyboard list, then the largest layer by clicking it in
    # the graph (the largest node is the easiest target).
    output = nodes[-1]
    button = driver.find_element(
        By.CSS_SELECTOR, f'[data-testid="layer-button"][data-layer-id="{output["id"]}"]'
    )
    button.send_keys(Keys.ENTER)
    details = find(driver, "node-details")
    wait(driver, lambda d: output["id"] in details.text, message="Enter did not select a layer")
    largest = max(nodes, key=lambda n: n["parameters"])
    x, y = driver.execute_script(
        "const p = window.__healthoptCy.getElementById(arguments[0]).renderedPosition();"
        "return [p.x, p.y];",
        largest["id"],
    )
    box = graph.rect
    ActionChains(driver).move_to_element_with_offset(
        graph, int(x - box["width"] / 2), int(y - box["height"] / 2)
    ).click().perform()
    wait(driver, lambda d: largest["id"] in find(d, "node-details").text,
         message="clicking a graph node did not select it")  # fmt: skip
    assert f"{largest['parameters']:,}" in find(driver, "node-details").text
    selected = driver.execute_script("return window.__healthoptCy.$(':selected').map(n => n.id())")
    assert selected == [largest["id"]]

    # Plots embedded and loaded, diagnostics listed, TensorBoard offered (loopback server).
    images = wait(driver, lambda d: d.find_elements(*by_id("plot-image")), timeout=30)
    wait(driver, lambda d: all(d.execute_script("return arguments[0].naturalWidth > 0", i)
                               for i in images), timeout=30)  # fmt: skip
    assert len(images) == len(
        [
            p
            for p in api.get(f"/jobs/{job_id}/plots")["plots"]
            if p["trial"] == model["trial_number"]
        ]
    )
    assert len(driver.find_elements(*by_id("diagnostic-issue"))) == len(
        model["diagnostics"]["issues"]
    )
    assert driver.find_elements(*by_id("tensorboard-button"))
    # Layer monitoring: one strip row per monitored layer, as the API summarises the trial.
    monitoring = api.get(f"/jobs/{job_id}/trials/{model['trial_number']}/monitoring")
    strip = find(driver, "class-strip")
    wait(driver, lambda d: len(strip.find_elements(By.CSS_SELECTOR, "tbody tr"))
         == len(monitoring["layers"]), timeout=30)  # fmt: skip
    for layer in monitoring["layers"]:
        assert layer["name"] in strip.text
    screenshots(driver, "best-model-desktop")

    # A download works: the .keras model (a zip) lands in the browser's download folder.
    download = find(driver, "download-model")
    wait(driver, lambda d: download.is_enabled(), timeout=60)
    download.click()
    saved = wait(driver, lambda d: [p for p in downloads.glob("*.keras")], timeout=60)
    assert zipfile.is_zipfile(saved[0])

    # -- phone width -----------------------------------------------------------------------
    resize(driver, PHONE)
    for page, name, ready in (
        ("/", "configuration-phone", "start-button"),
        (f"/run?job={job_id}", "running-phone", "trial-gallery"),
        (f"/best?job={job_id}", "best-model-phone", "architecture-graph"),
    ):
        driver.get(ui.base + page)
        element = find(driver, ready)
        if ready == "architecture-graph":
            wait(driver, lambda _, e=element: e.get_attribute("data-rendered") == "true", 60)
        assert no_sideways_scroll(driver), f"{page} scrolls sideways at {PHONE[0]} px"
        screenshots(driver, name)
    resize(driver, DESKTOP)


def status_best(api: Server, job_id: str) -> int:
    return api.get(f"/jobs/{job_id}/status")["best_trial"]


def test_a_request_the_server_refuses_is_explained_in_the_form(stack, browser, tmp_path):
    with evidence_on_failure(browser, tmp_path):
        refused_request(*stack, browser)


def refused_request(api: Server, ui: Dashboard, browser) -> None:
    jobs_before = api.get("/jobs")["jobs"]
    browser.get(ui.base + "/")
    find(browser, "concurrent-checkbox").click()
    workers = find(browser, "workers-input")
    wait(browser, lambda d: workers.is_enabled())
    set_number(workers, MAX_WORKERS + 6)
    find(browser, "start-button").click()
    error = find(browser, "form-error")
    wait(browser, lambda d: f"at most {MAX_WORKERS}" in error.text, message=error.text)
    assert "/run" not in browser.current_url
    assert api.get("/jobs")["jobs"] == jobs_before
