"""Notebook 00 in a real browser: its widgets, and RISE slides, in JupyterLab driven by Chromium.

Starts JupyterLab on 127.0.0.1 (random port, random token, temporary folders),
opens a copy of notebook 00 with smoke parameters, runs all cells, then checks
that the flicker widget animates (the frame on screen changes), that a click
far from the change is scored a miss and one on it a hit (a round trip
browser -> kernel -> browser), and that a scripted mouse path in the
be-the-observer widget comes back as fixations with scores. A second test checks
that the RISE extension (``jupyterlab-rise``, in the ``lab`` extra) is active and
shows notebook 00 as reveal.js slides.

Uses Debian's Chromium (``apt-get install -y chromium``), never ``playwright
install``. Skipped with a message where Chromium or Playwright is missing,
except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "00_visual_attention_and_change_blindness.ipynb"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SETTINGS = {  # no virtualised notebook (widgets must stay in the DOM), no news pop-up
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

pytestmark = pytest.mark.browser


def _chromium() -> str:
    """Path of Chromium, after making sure Playwright is importable; else skip or fail."""
    path = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    problem = None
    if path is None:
        problem = "Chromium not found: install it with `apt-get install -y chromium`"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = (
                "Python playwright is missing: `pip install playwright` (Chromium is Debian's)"
            )
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but " + problem)
        pytest.skip(problem)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(folder: Path, data_dir: Path) -> str:
    """A copy of notebook 00 with smoke parameters and a final cell printing the targets."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    position = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(
        position + 1,
        nbformat.v4.new_code_cell(
            f'SMOKE = True\nDATA_DIR = r"{data_dir}"\nDEVICE = "cpu"\nSEED = 0'
        ),
    )
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json\n"
            "_x, _y = flicker_demo.target()\n"
            "_h, _w = flicker_demo.stimuli[0].mask.shape\n"
            "_oh, _ow = osie.image_shape(observer_demo.index)\n"
            'print("SC_TARGET " + json.dumps({"x": _x, "y": _y, "w": _w, "h": _h, '
            '"ow": _ow, "oh": _oh}))'
        )
    )
    name = "00_browser.ipynb"
    nbformat.write(nb, folder / name)
    return name


@pytest.fixture(scope="module")
def chromium() -> str:
    return _chromium()


@pytest.fixture()
def jupyterlab(chromium, tmp_path, data_dir):
    """A JupyterLab server on 127.0.0.1 serving a prepared copy of notebook 00."""
    work = tmp_path / "work"
    work.mkdir()
    name = _prepare(work, data_dir)
    settings = tmp_path / "settings"
    for relative, values in SETTINGS.items():
        target = settings / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
        SALIENCY_COURSE_DATA=str(tmp_path / "data_root"),
        SALIENCY_COURSE_OFFLINE="1",
    )
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True",
            "--ServerApp.allow_root=True",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "JupyterLab did not start:\n"
                        + (tmp_path / "jupyterlab.log").read_text()[-3000:]
                    )
                time.sleep(0.3)
        yield f"{base}/lab/tree/{name}?token={token}", tmp_path / "jupyterlab.log"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _page_point(canvas, x: float, y: float, width: int, height: int) -> tuple[float, float]:
    """Viewport coordinates of image pixel ``(x, y)`` on a canvas drawn at any CSS size."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    return box["x"] + (x + 0.5) * box["width"] / width, box["y"] + (y + 0.5) * box[
        "height"
    ] / height


def test_widgets_of_notebook_00_work_in_jupyterlab(chromium, jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    url, log = jupyterlab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(url)
            page.wait_for_function(
                "window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60_000
            )
            page.evaluate(
                """async () => {
                    const app = window.jupyterapp;
                    const panel = app.shell.currentWidget;
                    await panel.context.ready;
                    await panel.sessionContext.ready;
                    app.commands.execute("notebook:run-all-cells");  // not awaited
                }"""
            )
            # -- the flicker widget animates --------------------------------------
            flicker = page.locator(".sc-flicker canvas").first
            expect(flicker).to_have_attribute(
                "data-frames-shown", re.compile(r"\d+"), timeout=180_000
            )
            seen, counts = set(), []
            for _ in range(12):
                seen.add(flicker.get_attribute("data-frame"))
                counts.append(int(flicker.get_attribute("data-frames-shown")))
                page.wait_for_timeout(110)
            assert {"A", "blank", "B"} <= seen, f"flicker showed only {seen}"
            assert counts[-1] > counts[0] + 3, f"frame changes did not progress: {counts}"

            # -- clicks are recorded and scored by the kernel ---------------------------
            target_output = page.locator(".jp-OutputArea-output", has_text="SC_TARGET")
            expect(target_output).to_be_visible(timeout=180_000)
            target = json.loads(target_output.inner_text().split("SC_TARGET", 1)[1].strip())
            width, height = target["w"], target["h"]
            far = (
                0.0 if target["x"] > width / 2 else width - 1.0,
                0.0 if target["y"] > height / 2 else height - 1.0,
            )
            feedback = page.locator(".sc-flicker .sc-feedback").first
            page.mouse.click(*_page_point(flicker, *far, width, height))
            expect(feedback).to_contain_text("Miss", timeout=30_000)
            page.mouse.click(*_page_point(flicker, target["x"], target["y"], width, height))
            expect(feedback).to_contain_text("Hit!", timeout=30_000)
            expect(flicker).to_have_attribute("data-frame", "reveal", timeout=5_000)

            # -- be the observer: a scripted mouse path becomes scored fixations -----------
            observer = page.locator(".sc-observer canvas").first
            expect(observer).to_have_attribute("data-state", "idle", timeout=30_000)
            ow, oh = target["ow"], target["oh"]
            points = [(0.3 * ow, 0.3 * oh), (0.7 * ow, 0.4 * oh), (0.5 * ow, 0.75 * oh)]
            page.mouse.move(*_page_point(observer, *points[0], ow, oh))
            page.mouse.click(*_page_point(observer, *points[0], ow, oh))
            expect(observer).to_have_attribute("data-state", "recording", timeout=5_000)
            for point in points:
                page.mouse.move(
                    *_page_point(observer, *point, ow, oh), steps=6
                )  # a quick "saccade"
                page.wait_for_timeout(800)  # then rest: a "fixation"
            expect(observer).to_have_attribute("data-state", "done", timeout=10_000)
            result = page.locator(".sc-observer .sc-feedback").first
            expect(result).to_contain_text("NSS", timeout=30_000)
            text = result.inner_text()
            fixations = int(re.search(r"You made (\d+) fixations", text).group(1))
            assert 2 <= fixations <= 4, text
        except Exception:
            page.screenshot(path=str(log.parent / "failure.png"), full_page=True)
            print("screenshot:", log.parent / "failure.png", "\nlog:", log.read_text()[-3000:])
            raise
        finally:
            browser.close()


def test_rise_presents_notebook_00_as_slides(chromium, jupyterlab):
    """The RISE extension of ``make lab`` is installed and shows notebook 00 as reveal.js slides."""
    from playwright.sync_api import sync_playwright

    url, log = jupyterlab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(url)
            page.wait_for_function(
                "window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60_000
            )
            commands = page.evaluate(
                """async () => {
                    const app = window.jupyterapp;
                    await app.shell.currentWidget.context.ready;
                    const rise = ["RISE:preview", "RISE:slideshow"];
                    return rise.filter(c => app.commands.hasCommand(c));
                }"""
            )
            assert commands == ["RISE:preview", "RISE:slideshow"], "jupyterlab-rise is not active"
            page.evaluate("() => window.jupyterapp.commands.execute('RISE:preview')")
            frame = page.frame_locator("iframe[src*='/rise/']").first
            frame.locator(".reveal.ready .slides section").first.wait_for(timeout=60_000)
            title = frame.locator(".reveal .slides section h1").first
            assert "Visual attention and change blindness" in title.inner_text()
            page.screenshot(path=str(log.parent / "rise.png"))
        except Exception:
            page.screenshot(path=str(log.parent / "failure.png"), full_page=True)
            print("screenshot:", log.parent / "failure.png", "\nlog:", log.read_text()[-3000:])
            raise
        finally:
            browser.close()
