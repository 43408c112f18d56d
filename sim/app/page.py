"""The dashboard page (solara): scenario and levers on the left; outcome shares and measures
against the reference, the assumptions, one run month by month with its story, and saving on
the right.

State lives in solara reactive variables (one set per browser session); the work is done by
:mod:`sim.app.engine` (seeds in worker processes, shared by every session), the numbers by
:mod:`sim.app.stats`, the figures by :mod:`sim.app.figures`, the story by
:mod:`sim.app.story`. Served by ``aigov-app`` (:mod:`sim.app.cli`).
"""

from __future__ import annotations

import functools
import os
import threading
import time

import solara
import solara.lab

from sim.app import figures, stats
from sim.app import levers as lv
from sim.app import save as saving
from sim.app.engine import Engine, Superseded, replay
from sim.app.story import run_story
from sim.config import LIBRARY, load_scenario
from sim.errors import ConfigError

DEFAULT_SCENARIO = "exclusive_club"
DEFAULT_REFERENCE = "baseline"
DEFAULT_SEEDS = int(os.environ.get("AIGOV_APP_SEEDS", "50"))  # the tests ask for fewer
MAX_PAGE_SEEDS = 500

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
params: solara.Reactive[dict] = solara.reactive({})
excluded: solara.Reactive[dict] = solara.reactive({})
progress = solara.reactive((0, 0, ""))
status = solara.reactive("")
seed = solara.reactive(0)
step = solara.reactive(0)
folder = solara.reactive("")
# (what-if SeedSet, reference SeedSet, RunConfig, scenario, reference) last shown
latest = solara.reactive(None)
latest_replay = solara.reactive(None)  # the Replay last shown
saved = solara.reactive("")


def choice() -> lv.Choice:
    return lv.Choice(dict(params.value), dict(excluded.value))


def set_scenario(name: str) -> None:
    scenario.value = name
    params.value = {}
    excluded.value = {}


def compute(name: str, ref: str, n: int, chosen: lv.Choice):
    """The what-if and reference seed sets, or None when a newer request superseded this."""
    eng = engine()
    run = lv.apply(base_run(name), chosen)
    ref_run = base_run(ref)
    t0 = time.perf_counter()
    try:
        if eng.cached(ref_run, n) is None:
            ref_set = eng.seeds(ref_run, n, lambda d, t: progress.set((d, t, f"reference {ref}")))
        else:
            ref_set = eng.seeds(ref_run, n)
        what = eng.seeds(run, n, lambda d, t: progress.set((d, t, f"what-if {name}")))
    except Superseded:
        return None
    latest.value = (what, ref_set, run, name, ref)
    status.value = (f"{n} seeds of {name} (settings {run.config_hash[:8]}) and {ref} ready "
                    f"in {time.perf_counter() - t0:.2f} s")
    return latest.value


def compute_replay(name: str, chosen: lv.Choice, k: int):
    rep = replay(lv.apply(base_run(name), chosen), k)
    latest_replay.value = rep
    return rep


@solara.component
def LeverPanel():
    run = base_run(scenario.value)
    solara.Markdown("#### Levers: what governments choose")
    for p in lv.levers(run):
        current = params.value.get(p.name, p.value)

        def set_param(v, name=p.name):
            params.value = {**params.value, name: v}

        if p.is_switch:
            solara.Switch(label=p.label, value=bool(current), on_value=set_param)
        else:
            lo, hi = p.slider_range()
            solara.Text(f"{p.label}: {float(current):.3g} (declared range {lo:g} to {hi:g})",
                        style={"font-size": "0.85em"})
            solara.SliderFloat("", value=float(current), min=lo, max=hi,
                               step=p.slider_step(), on_value=set_param)
    for v in lv.venue_levers(run):
        current = list(excluded.value.get(v.name, v.excluded))

        def set_excluded(names, name=v.name):
            excluded.value = {**excluded.value, name: tuple(names)}

        solara.SelectMultiple(f"Shut out of the {v.label} (host {v.host})", values=current,
                              all_values=list(v.candidates), on_value=set_excluded)
    solara.Button("Reset levers to the scenario's values", text=True,
                  on_click=lambda: (params.set({}), excluded.set({})))


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


def _key(result) -> tuple:
    """What a result's figures depend on, as plain values (compared reliably)."""
    if result is None:
        return ()
    return (result[0].config_hash, result[1].config_hash, result[0].n, result[1].n)


def _shares_figure(result, names):
    if result is None:
        return None
    ws, rs = (stats.outcome_shares(s.outcomes) for s in result[:2])
    return figures.shares_figure(ws, rs, names)


def _bands_figure(result, names):
    if result is None:
        return None
    return figures.bands_figure(result[0], result[1], stats.MEASURES, names)


def _names(result) -> tuple[str, str]:
    """(reference, scenario) of a result: the names it was computed for, not the ones chosen
    since."""
    return (result[4], result[3]) if result else (reference.value, scenario.value)


@solara.component
def SharesPanel(result, pending: bool):
    names = _names(result)
    key = (*_key(result), *names)
    fig = solara.use_memo(lambda: _shares_figure(result, names), list(key))
    done, total, label = progress.value
    if pending:
        solara.Text(f"running {label or 'seeds'}: {done} of {total} seeds",
                    classes=["aigov-progress"])
        solara.ProgressLinear(value=100 * done / total if total else True)
    if result is None:
        if not pending:
            solara.Text("no results yet")
        return
    what, ref_set = result[:2]
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
        # keyed: a new image widget per result (updating one in place did not redraw it)
        solara.FigureMatplotlib(fig, dependencies=list(key), format="png").key(
            "shares-" + "-".join(map(str, key)))


@solara.component
def BandsPanel(result):
    names = _names(result)
    key = (*_key(result), *names)
    fig = solara.use_memo(lambda: _bands_figure(result, names), list(key))
    if fig is not None:
        solara.Text(f"{names[1]} (settings {key[0][:8]}) over {names[0]}",
                    classes=["aigov-bands-key"])
        with solara.Div(classes=["aigov-bands"]):
            solara.FigureMatplotlib(fig, dependencies=list(key), format="png").key(
                "bands-" + "-".join(map(str, key)))


@solara.component
def RunPanel(rep, shares):
    last = rep.steps if rep is not None else 0
    k = min(step.value, last)

    key = (None, k) if rep is None else (rep.summary["config_hash"], k)
    fig = solara.use_memo(lambda: None if rep is None else figures.run_figure(rep, k), list(key))
    if rep is None:
        solara.Text("running the chosen seed ...")
        return
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputInt("seed", value=seed, continuous_update=False)
        solara.Button("◀ month", on_click=lambda: step.set(max(0, k - 1)), disabled=k <= 0)
        solara.Button("month ▶", on_click=lambda: step.set(min(last, k + 1)), disabled=k >= last)
        solara.Text(f"{rep.month(k)}, month {k} of {last}", classes=["aigov-month"])
    solara.SliderInt("month", value=k, min=0, max=last, on_value=step.set)
    with solara.Columns([3, 2]):
        with solara.Div(classes=["aigov-run"]):
            solara.FigureMatplotlib(fig, dependencies=list(key), format="png").key(
                "run-" + "-".join(map(str, key)))
        with solara.Card("The run's story"):
            solara.Markdown(run_story(rep, shares))


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
        what, ref_set = result[:2]
        if _names(result) != (ref, name):
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
    result = solara.lab.use_task(lambda: compute(name, ref, n, chosen),
                                 dependencies=[name, ref, n, chosen], raise_error=False)
    rep = solara.lab.use_task(lambda: compute_replay(name, chosen, seed.value),
                              dependencies=[name, chosen, seed.value], raise_error=False)
    value = latest.value
    shown = latest_replay.value
    # the story quotes the shares only of seeds run with the same settings as its run
    same = value is not None and shown is not None and \
        value[2].raw["scenario"] == shown.model.run_config.raw["scenario"]
    shares = stats.outcome_shares(value[0].outcomes) if same else None

    with solara.Sidebar():
        solara.Markdown("## What if?")
        solara.Select("scenario", values=list(LIBRARY), value=name, on_value=set_scenario)
        solara.Markdown(base_run(name).raw["scenario"].get("description", ""))
        solara.Select("compared with (reference)", values=list(LIBRARY), value=reference)
        solara.Text(f"seeds: {n}")
        solara.SliderInt("", value=n_seeds, min=10, max=MAX_PAGE_SEEDS, step=10)
        LeverPanel()

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
    AssumptionsPanel()
    with solara.Card("One run, month by month"):
        if rep.error:
            solara.Error(f"error: {rep.exception}")
        RunPanel(shown, shares)
    with solara.Card("Save and reproduce"):
        SavePanel(value)

