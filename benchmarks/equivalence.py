"""Record a model's outputs on a fixed set of runs, or compare them with a recording.

    python benchmarks/equivalence.py record DIR     # before a change
    python benchmarks/equivalence.py compare DIR    # after it: exact, or how far apart

Each case (scenario, seed, steps, overrides) keeps the run's tables (timeseries, sessions,
regimes, ledger), its summary (package versions left out) and the final state arrays (trust,
baseline, alignment, controls, capability, implemented, the per-pair ledger). ``compare`` says
for each case whether every value is identical, else the largest difference relative to the
largest magnitude of the same column (or array), which must stay within 1e-12 where a change
only reorders floating-point sums.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.errors import OneLineParser

SCENARIOS = ("baseline", "exclusive_club", "safety_for_compute", "tariff_shock", "track2_only",
             "uk_bridge", "un_led", "open_source_commons", "history", "us_new_administration",
             "un_members")
SEEDS = (0, 1, 2, 3, 4, 5)  # six seeds per scenario: the reference of a behaviour-keeping change
# (label, scenario, seed, steps, overrides): longer runs, and rosters past the per-pair ledger
EXTRA = (("baseline_240", "baseline", 5, 240, ()),
         ("exclusive_club_180", "exclusive_club", 7, 180, ()),
         ("un_members_120", "un_members", 0, 120, ()),
         ("states_600_24", "un_members", 1, 24, ("scenario.synthetic_states.count=586",)),
         ("states_2000_12", "un_members", 2, 12, ("scenario.synthetic_states.count=1986",)))
STATE = ("trust", "baseline", "alignment", "controls", "capability", "implemented",
         "commitment", "lab_safety", "deal_months", "regime_members", "regime_depth")
TOLERANCE = 1e-12


def cases():
    """Every (label, scenario, seed, steps, overrides) the comparison covers."""
    for name in SCENARIOS:
        for seed in SEEDS:
            yield f"{name}_{seed}", name, seed, None, ()
    yield from EXTRA


def outputs(scenario: str, seed: int, steps: int | None, overrides) -> dict:
    """Everything one run produces that a user can read."""
    res = sim.run(scenario, list(overrides), seed=seed, steps=steps)
    m = res.model
    summary = {k: v for k, v in res.summary.items() if k != "versions"}
    state = {k: np.asarray(getattr(m, k)) for k in STATE}
    if m.ledger.cumulative is not None:
        state.update({f"pair_{c}": v for c, v in m.ledger.cumulative.items()})
    return {"timeseries": res.timeseries, "sessions": res.sessions, "regimes": res.regimes,
            "ledger": res.ledger, "summary": summary, "state": state}


def frame_gap(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """0 if identical; else the largest difference in a numeric column relative to that
    column's largest magnitude (inf when the frames differ in shape, labels or text)."""
    if a.equals(b):
        return 0.0
    if a.shape != b.shape or list(a.columns) != list(b.columns):
        return float("inf")
    gap = 0.0
    for col in a.columns:
        x, y = a[col], b[col]
        if x.equals(y):
            continue
        if not (pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y)):
            return float("inf")
        gap = max(gap, array_gap(x.to_numpy(), y.to_numpy()))
    return gap


def array_gap(x: np.ndarray, y: np.ndarray) -> float:
    """0 if identical; else max |x - y| / max(|x|, |y|) over the array (inf on shape)."""
    if x.shape != y.shape:
        return float("inf")
    if np.array_equal(x, y):
        return 0.0
    if x.dtype.kind not in "fc" or y.dtype.kind not in "fc":
        return float("inf")
    scale = max(float(np.abs(x).max()), float(np.abs(y).max()), 1e-300)
    return float(np.abs(x - y).max()) / scale


def gaps(ref: dict, new: dict) -> dict[str, float]:
    """Per output: 0.0 (identical), a relative gap, or inf (structurally different)."""
    out = {k: frame_gap(ref[k], new[k]) for k in ("timeseries", "sessions", "regimes", "ledger")}
    out["summary"] = 0.0 if ref["summary"] == new["summary"] else float("inf")
    if out["summary"]:
        out["summary"] = dict_gap(ref["summary"], new["summary"])
    st = [array_gap(ref["state"][k], new["state"].get(k, np.array([]))) for k in ref["state"]]
    out["state"] = max(st) if set(ref["state"]) == set(new["state"]) else float("inf")
    return out


def dict_gap(a, b) -> float:
    """Like array_gap, over nested dicts and lists of the summary (floats compared relative)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return float("inf")
        return max((dict_gap(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return float("inf")
        return max((dict_gap(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) / max(abs(a), abs(b), 1e-300)
    return 0.0 if a == b else float("inf")


def main(argv=None) -> int:
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("record", "compare"))
    ap.add_argument("directory", type=Path)
    ap.add_argument("--only", default="", help="cases whose label contains this text")
    args = ap.parse_args(argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    worst = 0.0
    for label, scenario, seed, steps, overrides in cases():
        if args.only not in label:
            continue
        path = args.directory / f"{label}.pkl"
        new = outputs(scenario, seed, steps, overrides)
        if args.action == "record":
            path.write_bytes(pickle.dumps(new))
            print(f"recorded {label}")
            continue
        g = gaps(pickle.loads(path.read_bytes()), new)
        worst = max(worst, *g.values())
        verdict = "identical" if not any(g.values()) else ", ".join(
            f"{k} {v:.1e}" for k, v in g.items() if v)
        print(f"{label:<24} {verdict}")
    if args.action == "compare":
        print("all identical" if worst == 0 else f"largest relative gap {worst:.2e}"
              f" ({'within' if worst <= TOLERANCE else 'OUTSIDE'} {TOLERANCE:g})")
        return 0 if worst <= TOLERANCE else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
