"""The dashboard in a real browser: headless Chromium (the distribution's package, driven by
Playwright; nothing is downloaded) against the real ``aigov-app`` server on a free port.

Skipped when /usr/bin/chromium, Playwright or solara is missing (``.ci/run`` installs
Chromium; the ``app`` and ``test`` extras bring the rest). Set ``AIGOV_SCREENSHOT=PATH`` to
keep a screenshot of the page (the README's is made this way).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("solara", reason="the app extra (solara) is not installed")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SEEDS = 10  # enough to exercise the page; the benchmark measures 50
WAIT = 240_000  # ms: the machine running the tests may be busy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("app")
    port = free_port()
    env = {**os.environ, "AIGOV_APP_SEEDS": str(SEEDS)}
    log = open(work / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "sim.app.cli", "--port", str(port),
                             "--host", "127.0.0.1"], cwd=work, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"aigov-app exited: {(work / 'server.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("aigov-app did not answer within 180 s")
                time.sleep(0.5)
        yield url, work
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def page(server):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page(viewport={"width": 1500, "height": 1100})
        pg.requests = []
        pg.on("request", lambda r: pg.requests.append(r.url))
        pg.goto(server[0], timeout=WAIT)
        yield pg
        browser.close()


def status(pg) -> str:
    return pg.locator(".aigov-status").inner_text()


def wait_for_status(pg, *, other_than: str | None = None) -> str:
    """Wait until the seeds are ready (and, given ``other_than``, a new result is shown)."""
    pg.wait_for_function(
        """(old) => { const e = document.querySelector('.aigov-status');
                      return e && e.innerText.includes('ready') && e.innerText !== old; }""",
        arg=other_than or "", timeout=WAIT)
    return status(pg)


def image(pg, panel: str) -> str:
    """The address of the figure in a panel (aigov-shares, aigov-bands, aigov-run)."""
    return pg.locator(f".{panel} img").first.get_attribute("src")


def wait_for_new_image(pg, panel: str, old: str) -> None:
    pg.wait_for_function("([sel, old]) => { const e = document.querySelector(sel);"
                         " return e && e.src && e.src !== old; }",
                         arg=[f".{panel} img", old], timeout=WAIT)


def test_the_page_runs_seeds_steps_a_run_and_saves(page, server):
    pg = page
    url, work = server
    pg.get_by_text("exclusive_club against baseline").wait_for(timeout=WAIT)
    first = wait_for_status(pg)
    assert f"{SEEDS} seeds of exclusive_club" in first
    if os.environ.get("AIGOV_SCREENSHOT"):  # the first view, tall enough to hold the run
        pg.set_viewport_size({"width": 1500, "height": 2000})
        pg.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
        pg.wait_for_timeout(3000)
        pg.screenshot(path=os.environ["AIGOV_SCREENSHOT"])
        pg.set_viewport_size({"width": 1500, "height": 1100})
    # the shares table follows the status line (on a loaded machine, a moment later)
    pg.wait_for_function("() => ['cooperation', 'bifurcation', 'fragmentation'].every("
                         "o => document.body.innerText.includes(o))", timeout=WAIT)
    body = pg.inner_text("body")
    assert f"of {SEEDS})" in body  # a share such as "60% [31%, 83%] (6 of 10)"
    # the assumptions panel: declared ranges and sources
    pg.get_by_text("Assumptions: what nobody knows").click()
    pg.get_by_text("Trust gain per verified compliance").wait_for(timeout=WAIT)
    assert "0.01 to 0.15" in pg.inner_text("body")
    bands_before = image(pg, "aigov-bands")
    assert image(pg, "aigov-shares") and bands_before

    # a lever: shut India out of the like-minded summits too (the page says that taking China
    # off the list would not invite it: the series asks only the like-minded and a few others)
    assert "does not invite it" in pg.inner_text("body")
    pg.locator(".v-select", has_text="Shut out of the Like-minded summit series").locator(
        ".v-select__slot").click()
    pg.locator(".v-menu__content .v-list-item", has_text="India").first.click()
    pg.keyboard.press("Escape")
    second = wait_for_status(pg, other_than=first)
    assert second.split("(settings ")[1][:8] != first.split("(settings ")[1][:8]
    assert "exclude=[China,India,Russia]" in pg.inner_text("body")  # the equivalent command
    wait_for_new_image(pg, "aigov-bands", bands_before)  # the what-if's bands moved
    # let China in: inviting it takes it off the shut-out list, and the command says both
    pg.locator(".v-select", has_text="Always invited to the Like-minded summit series").locator(
        ".v-select__slot").click()
    pg.locator(".v-menu__content.menuable__content__active .v-list-item",
               has_text="China").first.click()  # the open menu (the other one is hidden)
    pg.keyboard.press("Escape")
    third = wait_for_status(pg, other_than=second)
    command = next(line for line in pg.inner_text("body").splitlines()
                   if line.startswith("aigov scenario="))
    invited = command.split("also_invite=[")[1]  # shutting India out took it off this list
    assert invited.startswith("China,") and "India" not in invited, command
    assert "exclude=[India,Russia]" in command, command
    assert third.split("(settings ")[1][:8] != second.split("(settings ")[1][:8]
    causes = pg.locator(".aigov-causes").inner_text()  # why: the ledger, paired by seed
    assert "being left out of the other side's meetings" in causes and "[" in causes
    table = pg.locator(".aigov-table").inner_text()
    counts = [int(x) for x in re.findall(rf"\((\d+) of {SEEDS}\)", table)]
    assert len(counts) == 6 and sum(counts) == 2 * SEEDS  # three shares per column

    # step the run one month
    month = pg.locator(".aigov-month")
    assert "month 0 of 60" in month.inner_text()
    run_before = image(pg, "aigov-run")
    pg.get_by_role("button", name="month ▶").click()
    pg.wait_for_function("() => document.querySelector('.aigov-month').innerText"
                         ".includes('month 1 of 60')", timeout=WAIT)
    wait_for_new_image(pg, "aigov-run", run_before)

    # play: the month advances on its own, the figure follows, and pause stops it
    run_before = image(pg, "aigov-run")
    pg.get_by_role("button", name="▶ play").click()
    pg.wait_for_function("() => { const m = document.querySelector('.aigov-month').innerText"
                         ".match(/month (\\d+) of/); return m && Number(m[1]) >= 3; }",
                         timeout=WAIT)
    wait_for_new_image(pg, "aigov-run", run_before)
    pg.get_by_role("button", name="❚❚ pause").click()
    pg.get_by_role("button", name="▶ play").wait_for(timeout=WAIT)
    paused = pg.locator(".aigov-month").inner_text()
    pg.wait_for_timeout(2500)  # several play intervals: the month stays put
    assert pg.locator(".aigov-month").inner_text() == paused
    played = int(re.search(r"month (\d+) of", paused).group(1))
    assert 3 <= played < 60
    # the story beside it is the run's story.md
    story = pg.locator(".v-card", has_text="The run's story").last.inner_text()
    for part in ("Why it ended this way", "The sessions that mattered", "What moved trust",
                 "One possible history"):
        assert part in story

    # save the comparison into a folder of our choosing
    target = work / "my comparison"
    box = pg.get_by_label("folder to save into (new or empty)")
    box.fill(str(target))
    box.press("Enter")
    pg.get_by_role("button", name="Save the comparison (figures and tables)").click()
    pg.get_by_text("saved outcomes.csv").wait_for(timeout=WAIT)
    assert sorted(p.name for p in target.iterdir()) == sorted(
        ["outcomes.csv", "observables.csv", "shares.png", "bands.png", "commands.txt",
         "settings.json"])
    assert "exclude=[India,Russia]" in (target / "commands.txt").read_text()  # China let in

    # offline: every request went to the app itself
    outside = [u for u in pg.requests
               if not u.startswith((url, "data:", "blob:", url.replace("http", "ws")))]
    assert outside == []
