"""Every notebook runs in a real JupyterLab in headless Chromium, offline:
no cell shows an error, widgets render, charts render (no CDN).

CI installs Debian's chromium in .ci/run; elsewhere the test skips when
chromium is missing (set RMAPLAB_REQUIRE_BROWSER=1 to make that a failure).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from paths import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# what each notebook must show: (widgets, vega charts)
EXPECT = {
    "01-proof-intuition.ipynb": (2, 2),
    "02-collision-probability.ipynb": (2, 4),
    "03-three-vs-six-values.ipynb": (2, 3),
    "04-schemes-compared.ipynb": (1, 1),
    "05-mailing-list-figures.ipynb": (1, 2),
    "06-fewer-values.ipynb": (2, 3),
    "07-concurrency.ipynb": (1, 1),
    "08-versus-6.15.ipynb": (0, 1),
    "09-the-rfc.ipynb": (1, 0),
}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("RMAPLAB_REQUIRE_BROWSER") == "1":
        pytest.fail("chromium is required (RMAPLAB_REQUIRE_BROWSER=1) but not installed")
    pytest.skip("chromium is not installed (Debian: apt-get install chromium)")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    chromium = _chromium()
    pytest.importorskip("playwright")
    root = tmp_path_factory.mktemp("lab")
    for nb in NOTEBOOKS:
        shutil.copy(nb, root / nb.name)
    # JupyterLab 4 renders only the cells near the viewport ("windowing"), so a count of
    # .jp-CodeCell elements depends on scrolling and timing (CI once counted fewer cells
    # than the notebook has and waited forever). Render every cell: windowingMode "none".
    settings = root / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), "rmaplab-test"
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=",
            "--LabApp.extension_manager=readonly",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
        env={**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(root / "settings")},
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        if proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-3000:])
    yield chromium, url, token, root
    proc.terminate()
    proc.wait(timeout=30)


def _accept_dialogs(page, seen: list[str]) -> None:
    """Accept every open JupyterLab dialog, remembering its text for the failure message."""
    for _ in range(5):
        dialog = page.locator(".jp-Dialog")
        if dialog.count() == 0:
            return
        seen.append(dialog.first.inner_text()[:300])
        accept = page.locator(".jp-Dialog .jp-mod-accept")
        if accept.count():
            accept.first.click()
        else:
            page.keyboard.press("Escape")
        page.wait_for_timeout(500)


@pytest.mark.parametrize("nb", [p.name for p in NOTEBOOKS])
def test_notebook_in_jupyterlab(lab, nb):
    from playwright.sync_api import sync_playwright

    chromium, url, token, root = lab
    n_widgets, n_charts = EXPECT[nb]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/lab/tree/{nb}?token={token}&reset", wait_until="domcontentloaded")
            page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=120_000)
            page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000
            )
            # JupyterLab sometimes opens a modal dialog around the first run (seen with
            # seven notebooks in the folder, on a loaded machine): it swallows the click
            # and every prompt stays "[ ]". Accept any dialog (its default: this
            # notebook's Python 3 kernel) and ask again, at most three times.
            dialogs: list[str] = []
            # the number of code cells comes from the file, never from the DOM
            cells = json.loads((root / nb).read_text())["cells"]
            n_code = sum(c["cell_type"] == "code" for c in cells)
            # Run All queues every cell at once: each prompt "[*]" or done. One cell
            # run and the rest left "[ ]" (seen once on a loaded machine: the click
            # ran the selected cell only) is not a queued run: ask again.
            queued = """n => {
                const ps = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                    .map(e => e.textContent.trim());
                return ps.length === n && ps.every(t => /^\\[(\\*|\\d+)\\]:$/.test(t));
            }"""
            for _attempt in range(3):
                _accept_dialogs(page, dialogs)
                page.locator(".jp-NotebookPanel .jp-Notebook").first.click()
                page.get_by_role("menuitem", name="Run", exact=True).click()
                page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
                for _ in range(15):
                    _accept_dialogs(page, dialogs)
                    if page.evaluate(queued, n_code):
                        break
                    page.wait_for_timeout(2000)
                else:
                    continue
                break
            else:
                pytest.fail(f"{nb}: Run All did not queue every cell; dialogs: {dialogs}")
            done = """n => {
                const ps = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                    .map(e => e.textContent.trim());
                return ps.length === n && ps.every(t => /^\\[\\d+\\]:$/.test(t));
            }"""
            # poll rather than wait once: a dialog that opens mid-run (e.g. asking for a
            # kernel while cells sit queued as "[*]") is accepted instead of timing out
            deadline = time.monotonic() + 600
            while not page.evaluate(done, n_code):
                _accept_dialogs(page, dialogs)
                if time.monotonic() > deadline:
                    # say which cell never finished and what the page showed
                    page.screenshot(path=str(root / f"{nb}.timeout.png"), full_page=True)
                    prompts = page.evaluate(
                        "[...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                        ".map(e => e.textContent.trim())"
                    )
                    pytest.fail(f"{nb}: {n_code} code cells, prompts {prompts}; dialogs {dialogs}")
                page.wait_for_timeout(1000)
            page.wait_for_timeout(2000)  # let widget views and vega finish drawing
            page.screenshot(path=str(root / f"{nb}.png"), full_page=False)
            errors = page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
            )
            texts = [errors.nth(i).inner_text()[:500] for i in range(errors.count())]
            assert not [t for t in texts if "Traceback" in t or "Error" in t], texts
            assert page.locator("text=Error displaying widget").count() == 0
            assert (
                page.locator(
                    ".jp-OutputArea-output .widget-box, .jp-OutputArea-output .jupyter-widgets"
                ).count()
                >= n_widgets
            )
            charts = page.locator(".jp-OutputArea-output .vega-embed")
            assert charts.count() >= n_charts
            for i in range(charts.count()):
                assert charts.nth(i).locator("svg, canvas").count() >= 1
        finally:
            browser.close()
