"""Path dependence, bistability and the non-absorbing check (docs/STUDIES.md, sections 2-4).

This module owns three studies of model version 2, each a function returning tables and a
figure, and one command that regenerates their numbers and figures:

- :func:`episode_study`: a temporary episode, then everything as before. ``exclusion``: China
  is left out of the yearly summit series for ``sessions`` sessions (the series is split into
  an episode venue and the rest, in both arms, so that the arms differ only by ``exclude``);
  ``tariff``: a US-China rivalry step followed, ``months`` later, by the step that exactly
  cancels what is left of it (rivalry decays at ``rivalry_decay``). The same seeds run with
  and without the episode (paired); reported: the paired difference in polarization five
  years after the episode ends with its 95% interval, and the trust ledger by cause behind it.
- :func:`bistability_study`: the same world started ``split`` (every country at +-1 by its
  lean) and ``united`` (all at 0), polarization over time from both starts.
- :func:`absorbing_study`: each run classified at month 60 and month 120; the share of runs
  whose class changed (month 60 read inside the 120-month run and checked against a 60-month
  run with the same seed).

    python -m sim.studies.pathdep --out docs/figures        # all three, full size (a few minutes)
    python -m sim.studies.pathdep --fast --out /tmp/pathdep # the small version
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import month_index, month_label, parse_month
from sim.model.ledger import CAUSES, DRIFT
from sim.studies.common import (
    OUTCOMES,
    basis_of,
    fast_mode,
    jsonable,
    map_runs,
    paired_interval,
    run_config,
    scenario_dict,
    seeds_for,
    shares,
)
from sim.studies.pathdep_figures import bistability_figure, episode_figure

SERIES_VENUE = "summit_series"
YEARS_AFTER = 5


# -- the episodes ---------------------------------------------------------------------------------


def episode_configs(kind: str = "exclusion", *, scenario: str = "baseline", sessions: int = 2,
                    months: int = 18, start: str = "2025-01", delta: float = 0.5,
                    country: str = "China", overrides: tuple[str, ...] = (),
                    years_after: int = YEARS_AFTER) -> dict:
    """Control and treated config dicts of an episode, its first month and the month it ends
    (0-based month indices), and the steps that reach ``years_after`` years after its end."""
    base = scenario_dict(scenario, overrides)
    sc = base["scenario"]
    start_ym = parse_month("scenario.start", sc["start"])
    control = copy.deepcopy(base)
    if kind == "exclusion":
        ser = sc["venues"][SERIES_VENUE]
        first = month_index(start_ym, parse_month("calendar", ser["calendar"][0]))
        every = int(ser.get("every") or 12)
        end = first + sessions * every
        episode = {**copy.deepcopy(ser), "every": 0, "series": ser.get("series", SERIES_VENUE),
                   "calendar": [month_label(start_ym, first + k * every)
                                for k in range(sessions)],
                   "label": f"{ser.get('label', SERIES_VENUE)} (episode)",
                   "source": "study: the summit series' sessions of the episode (docs/STUDIES.md)"}
        control["scenario"]["venues"][SERIES_VENUE]["calendar"] = [month_label(start_ym, end)]
        control["scenario"]["venues"]["summit_episode"] = episode
        treated = copy.deepcopy(control)
        ep = treated["scenario"]["venues"]["summit_episode"]
        ep["exclude"] = sorted({*ep.get("exclude", []), country})
        ep["also_invite"] = [c for c in ep.get("also_invite", []) if c != country]
    elif kind == "tariff":
        first = month_index(start_ym, parse_month("start", start))
        end = first + months
        decay = float(sc["uncertainties"]["rivalry_decay"]["value"])
        left = delta * (1.0 - decay) ** months  # what is left of the step when it is reversed
        treated = copy.deepcopy(control)
        common = {"kind": "rivalry", "actor": "United States", "targets": [country]}
        treated["scenario"]["events"]["episode_tariffs_on"] = {
            **common, "date": month_label(start_ym, first), "delta": delta,
            "source": "study: a broad tariff step (docs/STUDIES.md)"}
        treated["scenario"]["events"]["episode_tariffs_off"] = {
            **common, "date": month_label(start_ym, end), "delta": -left,
            "source": "study: the step reversed, cancelling what is left of it"}
    else:
        raise ValueError(f"unknown episode kind {kind!r}: exclusion or tariff")
    return {"control": control, "treated": treated, "first": first, "end": end,
            "steps": end + 12 * years_after + 1, "kind": kind, "start": start_ym,
            "years_after": years_after}


def _episode_run(run, seed: int, country: str) -> dict:
    """One run: polarization by month, and at the end the ledger of ``country``'s trust with
    every other country (mean of both directions, per cause), trust and shared depth with the
    other leader, and the outcome basis."""
    from sim.api import build_model

    model = build_model(run, seed=seed).run()
    c = model.country_index[country]
    other = [i for i in range(model.n) if i != c]
    ledger = {k: 0.5 * float(m[c, other].mean() + m[other, c].mean())
              for k, m in model.ledger.cumulative.items()}
    a, b = model.poles
    rival = b if c == a else a
    return {"polarization": np.asarray(model.datacollector.model_vars["polarization"]),
            "ledger": ledger, "trust_leaders": 0.5 * float(model.trust[c, rival]
                                                           + model.trust[rival, c]),
            "shared_depth_leaders": float(model.shared_depth[a, b]),
            "forums": sorted(getattr(model, "forum_causes", {})), **basis_of(model)}


def episode_study(kind: str = "exclusion", seeds: int = 100, jobs: int = 2,
                  country: str = "China", **kw) -> dict:
    """Run an episode and its control over the same seeds; returns per-seed rows, the paired
    difference in polarization over time and the summary (see the module docstring)."""
    cfg = episode_configs(kind, country=country, **kw)
    runs = {arm: run_config(cfg[arm], steps=cfg["steps"]) for arm in ("control", "treated")}
    ss = seeds_for(seeds)
    tasks = [(runs[arm], s, country) for arm in ("control", "treated") for s in ss]
    out = map_runs(_episode_run, tasks, jobs=jobs)
    ctl, trt = out[:seeds], out[seeds:]
    pol_c = np.stack([r["polarization"] for r in ctl])
    pol_t = np.stack([r["polarization"] for r in trt])
    at = cfg["steps"]  # the state at the close of the month five years after the end
    rows = []
    for s, rc, rt in zip(ss, ctl, trt, strict=True):
        row = {"seed": s, "polarization_control": rc["polarization"][at],
               "polarization_treated": rt["polarization"][at],
               "outcome_control": rc["outcome"], "outcome_treated": rt["outcome"],
               "trust_leaders_control": rc["trust_leaders"],
               "trust_leaders_treated": rt["trust_leaders"],
               "shared_depth_control": rc["shared_depth_leaders"],
               "shared_depth_treated": rt["shared_depth_leaders"]}
        for k in (*CAUSES, DRIFT):
            row[f"ledger_{k}"] = rt["ledger"][k] - rc["ledger"][k]
        rows.append(row)
    table = pd.DataFrame(rows)
    diff = pol_t - pol_c
    m, lo, hi = paired_interval(table["polarization_treated"] - table["polarization_control"])
    summary = {
        "kind": kind, "seeds": seeds, "country": country, "steps": cfg["steps"],
        "years_after": cfg["years_after"],
        "episode": [month_label(cfg["start"], cfg["first"]), month_label(cfg["start"], cfg["end"])],
        "episode_months": cfg["end"] - cfg["first"],
        "polarization_control": float(table["polarization_control"].mean()),
        "polarization_treated": float(table["polarization_treated"].mean()),
        "difference": m, "low": lo, "high": hi,
        "excludes_zero": bool(lo > 0 or hi < 0),
        "ledger": {k: paired_interval(table[f"ledger_{k}"]) for k in (*CAUSES, DRIFT)},
        "trust_leaders": paired_interval(table["trust_leaders_treated"]
                                         - table["trust_leaders_control"]),
        "shared_depth_leaders": paired_interval(table["shared_depth_treated"]
                                                - table["shared_depth_control"]),
        "shares_control": shares(table["outcome_control"]),
        "shares_treated": shares(table["outcome_treated"]),
    }
    return {"table": table, "diff": diff, "summary": summary, "first": cfg["first"],
            "end": cfg["end"], "years_after": cfg["years_after"]}


# -- bistability ----------------------------------------------------------------------------------


def _start_run(run, seed: int) -> dict:
    from sim.api import build_model

    model = build_model(run, seed=seed).run()
    return {"polarization": np.asarray(model.datacollector.model_vars["polarization"]),
            **basis_of(model)}


def bistability_study(scenario: str = "baseline", overrides: tuple[str, ...] = (),
                      seeds: int = 50, steps: int = 120, jobs: int = 2) -> dict:
    """The same world from a ``split`` and a ``united`` start over the same seeds."""
    starts = ("split", "united")
    runs = {s: run_config(scenario_dict(scenario, [*overrides, f"scenario.initial_alignment={s}"]),
                          steps=steps) for s in starts}
    ss = seeds_for(seeds)
    out = map_runs(_start_run, [(runs[s], k) for s in starts for k in ss], jobs=jobs)
    series = {s: np.stack([r["polarization"] for r in out[i * seeds:(i + 1) * seeds]])
              for i, s in enumerate(starts)}
    outcomes = {s: [r["outcome"] for r in out[i * seeds:(i + 1) * seeds]]
                for i, s in enumerate(starts)}
    final = {s: series[s][:, -12:].mean(axis=1) for s in starts}  # the outcome's window
    summary = {"scenario": scenario, "overrides": list(overrides), "seeds": seeds,
               "steps": steps,
               **{f"polarization_{s}": float(final[s].mean()) for s in starts},
               "difference": paired_interval(final["split"] - final["united"]),
               **{f"shares_{s}": shares(outcomes[s]) for s in starts}}
    return {"series": series, "outcomes": outcomes, "summary": summary}


# -- not absorbing --------------------------------------------------------------------------------


def _two_reads(run, seed: int, early: int, check: bool) -> dict:
    """Class at step ``early`` (read inside the run) and at the end; with ``check``, also the
    class of a separate run of ``early`` months with the same seed."""
    import dataclasses

    from sim.api import build_model

    model = build_model(run, seed=seed)
    while model.steps < early:
        model.step()
    at_early = model.outcome()
    model.run()
    row = {"seed": seed, "early": at_early, "late": model.outcome()}
    if check:
        short = dataclasses.replace(run, steps=early)
        row["early_separate"] = build_model(short, seed=seed).run().outcome()
    return row


def absorbing_study(scenario: str = "baseline", seeds: int = 100, early: int = 60,
                    late: int = 120, jobs: int = 2, check: bool = True) -> dict:
    """Share of runs whose class at month ``late`` differs from month ``early``."""
    run = run_config(scenario_dict(scenario), steps=late)
    rows = map_runs(_two_reads, [(run, s, early, check) for s in seeds_for(seeds)], jobs=jobs)
    table = pd.DataFrame(rows)
    changed = table["early"] != table["late"]
    moves = pd.crosstab(table["early"], table["late"]).reindex(
        index=list(OUTCOMES), columns=list(OUTCOMES), fill_value=0)
    summary = {"scenario": scenario, "seeds": seeds, "early": early, "late": late,
               "changed_share": float(changed.mean()), "changed": int(changed.sum()),
               "shares_early": shares(table["early"]), "shares_late": shares(table["late"]),
               "separate_run_agrees": bool((table["early"] == table["early_separate"]).all())
               if check else None}
    return {"table": table, "moves": moves, "summary": summary}


# -- the command ----------------------------------------------------------------------------------

# the episodes of docs/STUDIES.md: name -> (kind, scenario, overrides)
EPISODES = {
    "exclusion_un_led": ("exclusion", "un_led", ()),
    "exclusion_baseline": ("exclusion", "baseline", ()),
    "tariff_un_led": ("tariff", "un_led", ()),
}
# the world of the bistability figure: scenario and overrides (beta inside its declared range)
BISTABLE = ("baseline", ("scenario.uncertainties.alignment_beta=2.5",))


def _parser():
    """The command line of :func:`main`."""
    from sim.errors import OneLineParser, int_at_least
    from sim.studies.common import MAX_JOBS

    parser = OneLineParser(prog="python -m sim.studies.pathdep", description=(
        "Path dependence (temporary episodes, paired seeds), bistability (split and united "
        "starts) and the non-absorbing check. Writes figures, tables and JSON summaries."))
    parser.add_argument("--study", action="append",
                        choices=["episode", "bistability", "absorbing"],
                        help="a study to run (repeatable; default: all three)")
    parser.add_argument("--episode", action="append", choices=sorted(EPISODES),
                        help="an episode to run (repeatable; default: all)")
    parser.add_argument("--seeds", type=int_at_least(2), default=None,
                        help="seeds per arm (default: 100 episodes and absorbing, 50 "
                             "bistability; 3 in fast mode)")
    parser.add_argument("-j", "--jobs", type=int_at_least(1), default=MAX_JOBS)
    parser.add_argument("--out", type=Path, default=Path("docs/figures"))
    parser.add_argument("--fast", action="store_true", help="small version (also AIGOV_FAST=1)")
    return parser


def _writer(out: Path):
    """``write(name, summary, png, table)``: a study's JSON summary, figure and table in
    ``out``, each written whole."""
    import json

    from sim.report.io import atomic_write_bytes, atomic_write_text

    def write(name: str, summary: dict, png: bytes | None = None,
              table: pd.DataFrame | None = None) -> None:
        atomic_write_text(out / f"{name}.json",
                          json.dumps(jsonable(summary), indent=2) + "\n")
        if png is not None:
            atomic_write_bytes(out / f"{name}.png", png)
        if table is not None:
            atomic_write_text(out / f"{name}.csv",
                              table.to_csv(index=False, float_format="%.6g"))

    return write


def _run_episodes(args, fast: bool, write) -> None:
    """Study 2a: each episode against its paired control; prints the difference and causes."""
    for name in args.episode or list(EPISODES):
        kind, scenario, overrides = EPISODES[name]
        seeds = args.seeds or (3 if fast else 100)
        t0 = time.perf_counter()
        extra = {"years_after": 1, **({"sessions": 1} if kind == "exclusion"
                                      else {"months": 6})} if fast else {}
        res = episode_study(kind, seeds=seeds, jobs=args.jobs, scenario=scenario,
                            overrides=overrides, **extra)
        s = res["summary"]
        what = ("left out of the summits" if kind == "exclusion"
                else "under a tariff step, then its reversal")
        title = f"{scenario}: China {what} {s['episode'][0]} to {s['episode'][1]}"
        write(f"pathdep_{name}", s, episode_figure(res, title), res["table"])
        print(f"{name}: {seeds} paired seeds in {time.perf_counter() - t0:.0f} s; "
              f"polarization {s['years_after']} years after the episode: "
              f"{s['polarization_treated']:.4f} with, {s['polarization_control']:.4f} "
              f"without; difference {s['difference']:+.4f} "
              f"[{s['low']:+.4f}, {s['high']:+.4f}]"
              + (" (excludes 0)" if s["excludes_zero"] else " (includes 0)"))
        print("  China's trust with the others, paired difference by cause: " + ", ".join(
            f"{k} {m:+.4f} [{lo:+.4f}, {hi:+.4f}]" for k, (m, lo, hi) in s["ledger"].items()
            if abs(m) > 0))


def _run_bistability(args, fast: bool, write) -> None:
    """Study 2b: the same world from a split and a united start."""
    scenario, overrides = BISTABLE
    seeds = args.seeds or (3 if fast else 50)
    t0 = time.perf_counter()
    res = bistability_study(scenario, overrides, seeds=seeds, steps=24 if fast else 120,
                            jobs=args.jobs)
    s = res["summary"]
    which = ", ".join(o.split("=")[0].split(".")[-1] + " = " + o.split("=", 1)[1]
                      for o in overrides)
    title = f"{scenario}, {which}: the same world from a split start and a united start"
    write("bistability", s, bistability_figure(res, title))
    m, lo, hi = s["difference"]
    print(f"bistability: {seeds} seeds x 2 starts in {time.perf_counter() - t0:.0f} s; "
          f"polarization over the last 12 months: split {s['polarization_split']:.3f}, "
          f"united {s['polarization_united']:.3f}, difference {m:+.3f} [{lo:+.3f}, {hi:+.3f}]")
    for start in ("split", "united"):
        print(f"  {start}: " + ", ".join(f"{o} {v:.0%}"
                                        for o, v in s[f"shares_{start}"].items()))


def _run_absorbing(args, fast: bool, write) -> None:
    """Study 4: how many baseline runs change class between two months."""
    seeds = args.seeds or (3 if fast else 100)
    early, late = (6, 12) if fast else (60, 120)
    t0 = time.perf_counter()
    res = absorbing_study(seeds=seeds, early=early, late=late, jobs=args.jobs)
    s = res["summary"]
    write("absorbing", s, table=res["table"])
    print(f"absorbing: {seeds} baseline seeds in {time.perf_counter() - t0:.0f} s; class at "
          f"month {late} differs from month {early} in {s['changed']} runs "
          f"({s['changed_share']:.0%}); month {early} read in the run agrees with a "
          f"{early}-month run: {s['separate_run_agrees']}")
    print(res["moves"].to_string())


def main(argv: list[str] | None = None) -> None:
    """``python -m sim.studies.pathdep [--study NAME] [--seeds N] [--out DIR] [--fast]``."""
    args = _parser().parse_args(argv)
    fast = fast_mode(args.fast)
    studies = args.study or ["episode", "bistability", "absorbing"]
    args.out.mkdir(parents=True, exist_ok=True)
    write = _writer(args.out)
    if "episode" in studies:
        _run_episodes(args, fast, write)
    if "bistability" in studies:
        _run_bistability(args, fast, write)
    if "absorbing" in studies:
        _run_absorbing(args, fast, write)

if __name__ == "__main__":
    main()
