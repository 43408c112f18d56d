"""The dashboard page (solara): scenario and levers on the left; outcome shares and measures
against the reference, the assumptions, one run month by month with its story, and saving on
the right.

State lives in solara reactive variables (one set per browser session); the work is done by
:mod:`sim.app.engine` (seeds in worker processes, shared by every session; each session's
requests supersede only its own), the numbers by :mod:`sim.app.stats`, the figures by
:mod:`sim.app.figures` (kept per session and updated in place, their backgrounds drawn while
the what-if's seeds run), the story by :mod:`sim.app.story`. Served by ``aigov-app``
(:mod:`sim.app.cli`).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from dataclasses import dataclass

import solara
import solara.lab
from solara.alias import rw

from sim.api import with_seed
from sim.app import figures, run_figure, stats
from sim.app import levers as lv
from sim.app import save as saving
from sim.app.engine import Engine, Request, SeedSet, Superseded, replay
from sim.app.lever_panel import LeverPanel, choice, reset_levers
from sim.app.story import others, run_story
from sim.config import LIBRARY, RunConfig, load_scenario
from sim.errors import ConfigError
from sim.report.story import CAUSE_WORDS, TRUST_CAUSES

DEFAULT_SCENARIO = "exclusive_club"
DEFAULT_REFERENCE = "baseline"
DEFAULT_SEEDS = int(os.environ.get("AIGOV_APP_SEEDS", "50"))  # the tests ask for fewer
MAX_PAGE_SEEDS = 500
PLAY_INTERVAL = 0.6  # seconds between months when a run is played

_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    """The process-wide engine (its worker pool is shared by every browser session)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine(jobs=int(os.environ.get("AIGOV_APP_JOBS", "2")))
        return _engine


@functools.lru_cache(maxsize=32)
def base_run(name: str):
    """A scenario's own settings (composed once per process)."""
    return load_scenario(name)


scenario = solara.reactive(DEFAULT_SCENARIO)
reference = solara.reactive(DEFAULT_REFERENCE)
n_seeds = solara.reactive(DEFAULT_SEEDS)
progress = solara.reactive((0, 0, ""))
status = solara.reactive("")
seed = solara.reactive(0)
step = solara.reactive(0)
folder = solara.reactive("")
playing = solara.reactive(False)
# Shown: what-if and reference SeedSets, the what-if's RunConfig, the names, the figures' PNGs
latest = solara.reactive(None)
latest_replay = solara.reactive(None)  # the Replay last shown
saved = solara.reactive("")


def set_scenario(name: str) -> None:
    scenario.value = name
    reset_levers()


@dataclass(frozen=True, eq=False)
class Shown:
    """A comparison on the page: the seed sets, the what-if's settings, the names it was
    computed for (not those chosen since) and its figures as PNG."""

    what_if: SeedSet
    reference: SeedSet
    run: RunConfig
    scenario: str
    reference_name: str
    shares_png: bytes
    bands_png: bytes

    @property
    def names(self) -> tuple[str, str]:
        return (self.reference_name, self.scenario)

    @property
    def key(self) -> str:
        return f"{self.what_if.config_hash[:12]}-{self.reference.config_hash[:12]}-" \
            f"{self.what_if.n}-{self.reference_name}-{self.scenario}"


def compute(name: str, ref: str, n: int, chosen: lv.Choice, request: Request,
            drawer: figures.Drawer):
    """Run (or recall) the what-if's and the reference's seeds and draw them; None when a
    newer request of this session superseded this one. The figures' backgrounds (the
    reference) are drawn while the what-if's seeds run in the workers."""
    eng = engine()
    run = lv.apply(base_run(name), chosen)
    ref_run = base_run(ref)
    names = (ref, name)
    t0 = time.perf_counter()
    try:
        if eng.cached(ref_run, n) is None:
            ref_set = eng.seeds(ref_run, n, lambda d, t: progress.set((d, t, f"reference {ref}")),
                                request=request)
        else:
            ref_set = eng.seeds(ref_run, n, request=request)
        background = threading.Thread(target=drawer.prepare, args=(ref_set, names),
                                      daemon=True)
        background.start()
        try:
            what = eng.seeds(run, n, lambda d, t: progress.set((d, t, f"what-if {name}")),
                             request=request)
        finally:
            background.join()
    except Superseded:
        return None
    shares_png, bands_png = drawer.draw(what, ref_set, names)
    latest.value = Shown(what, ref_set, run, name, ref, shares_png, bands_png)
    status.value = (f"{n} seeds of {name} (settings {run.config_hash[:8]}) and {ref} ready "
                    f"in {time.perf_counter() - t0:.2f} s")
    return latest.value


def compute_replay(name: str, chosen: lv.Choice, k: int, ready: str | None):
    """Replay seed ``k`` of the chosen settings, once their seeds are shown (``ready``: the
    settings hash of the seeds shown), so the replay does not compete with the seeds."""
    run = lv.apply(base_run(name), chosen)
    if ready != run.config_hash:
        return None
    rep = replay(run, k)
    latest_replay.value = rep
    return rep


@solara.component
def AssumptionsPanel():
    run = base_run(scenario.value)
    rows = ["| assumption | value | declared range | source |", "|---|---|---|---|"]
    for p in lv.uncertainties(run):
        rng = "-" if p.low is None else f"{p.low:g} to {p.high:g}"
        src = p.source.replace("|", "/")
        rows.append(f"| {p.label} (`{p.name}`) | {p.value:g} | {rng} | {src} |")
    with solara.Details("Assumptions: what nobody knows (held at their values; ranges and "
                        "sources as declared in the scenario file)", expand=False):
        solara.Markdown("\n".join(rows))


def PNG(data: bytes, key: str):
    """A PNG on the page; keyed, so a new result makes a new image widget (updating one in
    place did not redraw it)."""
    return rw.Image(value=data, format="png").key(key)


@solara.component
def SharesPanel(result: Shown | None, pending: bool):
    done, total, label = progress.value
    if pending:
        solara.Text(f"running {label or 'seeds'}: {done} of {total} seeds",
                    classes=["aigov-progress"])
        solara.ProgressLinear(value=100 * done / total if total else True)
    if result is None:
        if not pending:
            solara.Text("no results yet")
        return
    names = result.names
    what, ref_set = result.what_if, result.reference
    ws, rs = stats.outcome_shares(what.outcomes), stats.outcome_shares(ref_set.outcomes)
    lines = [f"| outcome | {names[1]} | {names[0]} (reference) | difference, same seeds |",
             "|---|---|---|---|"]
    for w, r in zip(ws, rs, strict=True):
        d, lo, hi = stats.paired_difference(what.outcomes, ref_set.outcomes, w.outcome)
        diff = f"{100 * d:+.0f} points" + ("" if lo != lo else
                                            f" [{100 * lo:+.0f}, {100 * hi:+.0f}]")
        lines.append(f"| {w.outcome} | {w.text()} | {r.text()} | {diff} |")
    with solara.Div(classes=["aigov-table"]):
        solara.Markdown("\n".join(lines))
    solara.Text(status.value, classes=["aigov-status"])
    with solara.Div(classes=["aigov-shares"]):
        PNG(result.shares_png, "shares-" + result.key)


@solara.component
def CausesPanel(result: Shown | None):
    """Why, over all the seeds: the causes of trust change whose totals differ most between
    the what-if and the reference (the trust ledger, paired by seed)."""
    if result is None:
        return
    ref, name = result.names
    rows = stats.cause_differences(result.what_if.ledger, result.reference.ledger,
                                   TRUST_CAUSES)
    lines = [f"The trust ledger books every change of trust to its cause. Below, the change "
             f"over the whole run (mean per pair of countries, averaged over the "
             f"{result.what_if.n} seeds), largest difference first; a difference is *clear* "
             "when its 95% interval lies on one side of zero. The run's story below says which "
             "sessions and which countries it came from.", "",
             f"| cause of trust change | {ref} (reference) | {name} | difference, same seeds |",
             "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {CAUSE_WORDS[r.cause]} | {r.reference:+.4f} | {r.what_if:+.4f} | "
                     f"{r.difference:+.4f} [{r.low:+.4f}, {r.high:+.4f}]"
                     + (" **clear**" if r.clear else "") + " |")
    with solara.Div(classes=["aigov-causes"]):
        solara.Markdown("\n".join(lines))


@solara.component
def BandsPanel(result: Shown | None):
    if result is not None:
        names = result.names
        solara.Text(f"{names[1]} (settings {result.what_if.config_hash[:8]}) over {names[0]}",
                    classes=["aigov-bands-key"])
        with solara.Div(classes=["aigov-bands"]):
            PNG(result.bands_png, "bands-" + result.key)


@solara.component
def RunPanel(rep, replicates: tuple[str, ...] | None):
    """One run month by month: step back and forth, drag the slider, or play (one month every
    :data:`PLAY_INTERVAL` seconds until the last month or a pause)."""
    last = rep.steps if rep is not None else 0
    k = min(step.value, last)
    run_key = None if rep is None else rep.summary["config_hash"]
    canvas = solara.use_memo(lambda: None if rep is None else run_figure.RunFigure(rep), [run_key])
    image = solara.use_memo(lambda: None if canvas is None else canvas.show(k).png(),
                            [run_key, k])
    story = solara.use_memo(lambda: None if rep is None else run_story(rep, replicates),
                            [run_key, replicates])

    def play(cancel: threading.Event) -> None:
        while playing.value and not cancel.wait(PLAY_INTERVAL):
            if step.value >= last:
                playing.set(False)
                break
            step.set(step.value + 1)

    solara.use_thread(play, dependencies=[playing.value, run_key], intrusive_cancel=False)
    if rep is None:
        solara.Text("running the chosen seed ...")
        return

    def toggle() -> None:
        if not playing.value and step.value >= last:
            step.set(0)  # play again from the start
        playing.set(not playing.value)

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputInt("seed", value=seed, continuous_update=False)
        solara.Button("◀ month", on_click=lambda: step.set(max(0, k - 1)), disabled=k <= 0)
        solara.Button("❚❚ pause" if playing.value else "▶ play", on_click=toggle,
                      color="primary", classes=["aigov-play"])
        solara.Button("month ▶", on_click=lambda: step.set(min(last, k + 1)), disabled=k >= last)
        solara.Text(f"{rep.month(k)}, month {k} of {last}", classes=["aigov-month"])
    solara.SliderInt("month", value=k, min=0, max=last, on_value=step.set)
    with solara.Columns([3, 2]):
        with solara.Div(classes=["aigov-run"]):
            PNG(image, f"run-{run_key}-{k}")
        with solara.Card("The run's story (its story.md)"):
            solara.Markdown(story)


@solara.component
def SavePanel(result):
    name, ref = scenario.value, reference.value
    run = base_run(name)
    try:
        cmds = lv.commands(name, ref, run, choice(), seeds=n_seeds.value, seed=seed.value)
    except ValueError as exc:
        solara.Error(str(exc))
        return
    text = "\n".join(f"# {k}\n{v}" if k != "note" else f"# {v}" for k, v in cmds.items())
    solara.Markdown("Equivalent commands (select and copy):\n\n```bash\n" + text + "\n```")
    if not folder.value:
        folder.value = str(saving.default_folder(name))
    solara.InputText("folder to save into (new or empty)", value=folder)

    def do_save():
        if result is None:
            saved.value = "error: no results to save yet"
            return
        what, ref_set = result.what_if, result.reference
        if result.names != (ref, name):
            saved.value = "error: the results shown are not yet those of the current choice"
            return
        try:
            out = saving.save_comparison(folder.value, what, ref_set, (ref, name), cmds, {
                "scenario": name, "overrides": lv.overrides(run, choice())})
        except (ConfigError, OSError) as exc:
            saved.value = f"error: {exc}"
            return
        saved.value = f"saved {', '.join(saving.FILES)} to {out.resolve()}"
        folder.value = str(saving.default_folder(name))

    solara.Button("Save the comparison (figures and tables)", on_click=do_save,
                  color="primary", disabled=result is None)
    if saved.value:
        (solara.Error if saved.value.startswith("error") else solara.Success)(saved.value)


@solara.component
def Page():
    solara.Title("aigov: what if?")
    name, ref, n = scenario.value, reference.value, n_seeds.value
    chosen = choice()
    request = solara.use_memo(Request, [])  # this session's requests supersede only each other
    drawer = solara.use_memo(lambda: figures.Drawer(stats.MEASURES), [])
    result = solara.lab.use_task(lambda: compute(name, ref, n, chosen, request, drawer),
                                 dependencies=[name, ref, n, chosen], raise_error=False)
    value = latest.value
    ready = value.run.config_hash if value is not None else None
    rep = solara.lab.use_task(lambda: compute_replay(name, chosen, seed.value, ready),
                              dependencies=[name, chosen, seed.value, ready], raise_error=False)
    shown = latest_replay.value
    # the story quotes the shares only of seeds run with the same settings as its run
    same = value is not None and shown is not None and \
        with_seed(value.run, shown.summary["seed"]).config_hash == shown.summary["config_hash"]
    replicates = tuple(others(value.what_if.outcomes, shown.summary["seed"])) if same else None

    with solara.Sidebar():
        solara.Markdown("## What if?")
        solara.Select("scenario", values=list(LIBRARY), value=name, on_value=set_scenario)
        solara.Markdown(base_run(name).raw["scenario"].get("description", ""))
        solara.Select("compared with (reference)", values=list(LIBRARY), value=reference)
        solara.Text(f"seeds: {n}")
        solara.SliderInt("", value=n_seeds, min=10, max=MAX_PAGE_SEEDS, step=10)
        LeverPanel(base_run(name))

    solara.Markdown(f"# {name} against {ref}\n"
                    "Each seed is one possible history; the shares say how often each "
                    "outcome comes up, with 95% intervals.")
    if result.error:
        solara.Error(f"error: {result.exception}")
    with solara.Columns([1, 1]):
        with solara.Card("Outcomes"):
            SharesPanel(value, result.pending)
        with solara.Card("Measures against the reference"):
            BandsPanel(value)
    with solara.Card("Why: what moved trust differently, over all the seeds"):
        CausesPanel(value)
    AssumptionsPanel()
    with solara.Card("One run, month by month"):
        if rep.error:
            solara.Error(f"error: {rep.exception}")
        RunPanel(shown, replicates)
    with solara.Card("Save and reproduce"):
        SavePanel(value)

