"""Sweep throughput and memory: the batch runner (sim.studies.batch) against ``mesa.batch_run``.

Not a test: a measurement to run by hand and read.

    python benchmarks/bench_sweep.py                   # 40 seeds x 3 trust gains, 2 workers
    python benchmarks/bench_sweep.py --seeds 100 --jobs 2 --steps 60
    python benchmarks/bench_sweep.py --throughput --seeds 500 --jobs 2
    python benchmarks/bench_sweep.py --memory 1000,100000 --steps 1 --jobs 2

The same sweep (seeds x trust_gain values, baseline, 60 months) runs three ways, each in a fresh
child process so that imports and pools do not leak from one into the next:

- ``batch``: ``sim.studies.batch.run_batch`` (compose once, chunks of points per task, parquet
  stream);
- ``mesa``: ``mesa.batch_run`` over :class:`BatchRunModel`, a thin adapter that builds the model
  from keyword arguments through the public API (``sim.load_config``: one Hydra composition
  per run, as a user would write it);
- ``mesa_cached``: the same adapter but composing the scenario once per worker process and
  applying the parameters to the plain dict (the batch runner's trick, inside mesa.batch_run),
  to show where the difference comes from.

Two checks of the one worker pool (:mod:`sim.runs`, which the batch runner uses):

- ``--throughput``: one run's CPU time measured in this process first (``time.process_time``
  over ``--sample`` runs of the same sweep, seeds spread over its range, after a warm-up), which
  gives the in-process limit ``jobs / CPU time per run`` (runs/s); then the batch runner's runs
  per second of wall time on ``jobs`` workers against it (target >= 80%). The in-process runs
  are the batch runner's own with ``jobs=1``: each point's config applied and validated, the
  model run, its row built and written to parquet, everything a pool task and the parent do
  per run except the inter-process part (until 2026-12 they were bare ``run_one`` calls on a
  config validated once, a limit no pool doing the batch runner's work could reach). On a
  shared machine the wall-clock figure also pays for the other processes' load, so the pool's
  own cost is shown too: its CPU time per run (whole process tree, start-up included) against
  the in-process CPU time per run. Only CPU times are sampled during this check.
- ``--memory 1000,20000``: the batch runner on that many short runs (``--steps``, e.g. 1: the
  model's state is the same size whatever the number of months, and only the count of runs is
  at stake) with rows streamed to parquet, and the peak of the process tree's summed PSS and
  RSS for each count (target: flat within 10%).

Throughput is runs per second of wall time, pool start-up included. Memory is sampled from
/proc every 50 ms over the whole process tree (the child, its pool and forkserver, their
workers): the peak of the summed RSS, and of the summed PSS (shared pages counted once), plus
``ru_maxrss`` of the child and of its waited-for children (Linux, kB). All three results are
checked to agree on every run's bifurcation index.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.model.model import GovernanceModel  # noqa: E402

TRUST_GAINS = (0.02, 0.05, 0.1)
_CACHE: dict = {}


class BatchRunModel(GovernanceModel):
    """Thin adapter for ``mesa.batch_run``: keyword arguments -> overrides -> a model."""

    def __init__(self, seed: int = 0, trust_gain: float = 0.05, steps: int = 60,
                 scenario: str = "baseline", cached: bool = False):
        import sim

        overrides = [f"scenario.uncertainties.trust_gain={trust_gain}"]
        if not cached:
            run = sim.load_config(scenario, overrides, seed=seed, steps=steps)
        else:
            from sim.config import build_run_config
            from sim.studies.batch import assign, parse_override

            if scenario not in _CACHE:
                from omegaconf import OmegaConf

                from sim.config import compose_config
                _CACHE[scenario] = OmegaConf.to_container(compose_config(scenario),
                                                          resolve=True)
            data = _CACHE[scenario]
            for text in (*overrides, f"seed={seed}", f"steps={steps}"):
                axis = parse_override(text)
                data = assign(data, axis, axis.values[0])
            run = build_run_config(data)
        super().__init__(run)


def _maxrss() -> dict:
    return {"ru_maxrss_self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "ru_maxrss_children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


def run_method(method: str, seeds: int, jobs: int, steps: int) -> dict:
    """Run the sweep one way in this process; returns timings and per-run results."""
    t0 = time.perf_counter()
    if method == "lean":  # one point per seed, rows streamed, nothing kept in the parent
        from sim.studies.batch import run_batch

        with tempfile.TemporaryDirectory() as tmp:
            res = run_batch([f"seed=range(0,{seeds})", f"steps={steps}"], jobs=jobs,
                            out=Path(tmp) / "b.parquet", collect=False)
        seconds = time.perf_counter() - t0
        return {"method": method, "runs": res.rows, "seconds": seconds, "failed": res.failed,
                "runs_per_s": res.rows / seconds, "results": {}, **_maxrss()}
    if method == "batch":
        from sim.studies.batch import run_batch

        with tempfile.TemporaryDirectory() as tmp:
            res = run_batch(sweep(f"range(0,{seeds})", steps), jobs=jobs,
                            out=Path(tmp) / "b.parquet", collect=False)
            seconds = time.perf_counter() - t0
            import pandas as pd
            t = pd.read_parquet(Path(tmp) / "b.parquet")
        results = {f"{int(r['seed'])}|{r['scenario.uncertainties.trust_gain']}":
                   r["polarization"] for r in t.to_dict("records")}
        runs = res.rows
    else:
        import mesa

        out = mesa.batch_run(BatchRunModel,
                             parameters={"trust_gain": list(TRUST_GAINS), "steps": steps,
                                         "cached": method == "mesa_cached"},
                             rng=list(range(seeds)), number_processes=jobs, max_steps=steps,
                             data_collection_period=-1, display_progress=False)
        seconds = time.perf_counter() - t0
        results = {f"{r['seed']}|{r['trust_gain']}": round(float(r["polarization"]), 10)
                   for r in out}
        runs = len(out)
    return {"method": method, "runs": runs, "seconds": seconds,
            "runs_per_s": runs / seconds, "results": results, **_maxrss()}


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += parents.get(pid, [])
    return out


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (s)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _mem(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


class TreeSampler(threading.Thread):
    """Peak summed RSS and PSS (kB) of a process tree, sampled every ``period`` seconds, and
    its CPU time (s: the last reading of each process, so up to one period per process low).
    Without ``memory`` only CPU times are read: reading smaps_rollup of every process 20 times
    a second costs CPU that the measured processes would otherwise have."""

    def __init__(self, root: int, period: float = 0.05, memory: bool = True):
        super().__init__(daemon=True)
        self.root, self.period, self.memory = root, period, memory
        self.peak_rss = self.peak_pss = self.peak_procs = 0
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            pids = _tree(self.root)
            mems = [_mem(p) for p in pids] if self.memory else []
            for p in pids:
                self.cpu[p] = max(self.cpu.get(p, 0.0), _cpu_seconds(p))
            self.peak_rss = max(self.peak_rss, sum(m[0] for m in mems))
            self.peak_pss = max(self.peak_pss, sum(m[1] for m in mems))
            self.peak_procs = max(self.peak_procs, len(pids))
            self.stop.wait(self.period)


def measure(method: str, seeds: int, jobs: int, steps: int, memory: bool = True) -> dict:
    """Run one method in a fresh child process while sampling its process tree."""
    cmd = [sys.executable, __file__, "--child", method, "--seeds", str(seeds),
           "--jobs", str(jobs), "--steps", str(steps)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    sampler = TreeSampler(proc.pid, memory=memory)
    sampler.start()
    out, _ = proc.communicate()
    sampler.stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{method} failed (exit {proc.returncode})")
    res = json.loads(out.strip().splitlines()[-1])
    res.update(peak_rss_kb=sampler.peak_rss, peak_pss_kb=sampler.peak_pss,
               processes=sampler.peak_procs, cpu_s=sum(sampler.cpu.values()))
    return res


def sweep(seeds: str, steps: int) -> list[str]:
    """The throughput check's overrides: ``seeds`` (a Hydra value) x the trust gains."""
    return [f"seed={seeds}", f"steps={steps}",
            "scenario.uncertainties.trust_gain=" + ",".join(map(str, TRUST_GAINS))]


def in_process_cpu(seeds: int, steps: int, sample: int) -> tuple[float, int]:
    """CPU seconds per run of the batch runner on one process (``jobs=1``: the same points,
    the same work per point as a pool task, config validation and table row included, and the
    parent's table writing, without processes or pickling), over about ``sample`` runs of the
    sweep (seeds spread over its range) after a warm-up; and the number of runs timed."""
    from sim.studies.batch import make_plan, run_plan

    step = max(1, seeds // max(1, sample // len(TRUST_GAINS)))
    plan = make_plan(sweep(f"range(0,{seeds},{step})", steps))
    with tempfile.TemporaryDirectory() as tmp:
        run_plan(make_plan(sweep(f"range({seeds},{seeds + 1})", steps)), jobs=1,
                 out=Path(tmp) / "warm.parquet", collect=False, progress=False)
        t0 = time.process_time()
        res = run_plan(plan, jobs=1, out=Path(tmp) / "b.parquet", collect=False,
                       progress=False)
        return (time.process_time() - t0) / res.rows, res.rows


def throughput(seeds: int, jobs: int, steps: int, sample: int) -> None:
    """The pool's throughput against the in-process limit (see the module docstring)."""
    cpu, timed = in_process_cpu(seeds, steps, sample)
    limit = jobs / cpu
    r = measure("batch", seeds, jobs, steps, memory=False)
    pool_cpu = r["cpu_s"] / r["runs"]
    print(f"in-process: {1000 * cpu:.1f} ms CPU per run of {steps} months (mean of {timed} "
          f"runs) -> limit on {jobs} workers {limit:.1f} runs/s")
    print(f"pool: {r['runs']} runs in {r['seconds']:.1f} s = {r['runs_per_s']:.2f} runs/s = "
          f"{100 * r['runs_per_s'] / limit:.0f}% of the limit (target >= 80%); CPU per run in "
          f"the pool {1000 * pool_cpu:.1f} ms = {100 * cpu / pool_cpu:.0f}% efficiency "
          f"(start-up included: imports, composition, pool)")


def memory(counts: list[int], jobs: int, steps: int) -> None:
    """Peak memory of the process tree at each count of short runs (see the docstring)."""
    rows = []
    for n in counts:  # each printed as it finishes: the large count may take long
        rows.append(r := measure("lean", n, jobs, steps))
        print(f"{r['runs']:>8} runs of {steps} month(s): {r['seconds']:>7.1f} s, "
              f"{r['runs_per_s']:>6.1f} runs/s, {r['failed']} failed, peak PSS "
              f"{r['peak_pss_kb'] / 1024:.0f} MB, peak RSS {r['peak_rss_kb'] / 1024:.0f} MB, "
              f"{r['processes']} processes", flush=True)
    a, b = rows[0], rows[-1]
    print(f"peak PSS {b['runs']} vs {a['runs']} runs: "
          f"{100 * (b['peak_pss_kb'] / a['peak_pss_kb'] - 1):+.1f}%; peak RSS "
          f"{100 * (b['peak_rss_kb'] / a['peak_rss_kb'] - 1):+.1f}% (target: within 10%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--methods", default="batch,mesa,mesa_cached")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds, alternating the order (the machine may be shared)")
    parser.add_argument("--throughput", action="store_true",
                        help="the pool against the in-process limit (jobs / CPU per run)")
    parser.add_argument("--sample", type=int, default=150,
                        help="runs timed in-process for the throughput limit")
    parser.add_argument("--memory", default=None, metavar="N1,N2",
                        help="peak memory of the process tree at these counts of short runs")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_method(args.child, args.seeds, args.jobs, args.steps)))
        return
    if args.throughput or args.memory:
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        if args.throughput:
            throughput(args.seeds, args.jobs, args.steps, args.sample)
        if args.memory:
            memory([int(n) for n in args.memory.split(",")], args.jobs, args.steps)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        return
    print(f"sweep: {args.seeds} seeds x {len(TRUST_GAINS)} trust gains = "
          f"{args.seeds * len(TRUST_GAINS)} runs of {args.steps} months, {args.jobs} workers; "
          f"load average before: {os.getloadavg()[0]:.1f}")
    methods = args.methods.split(",")
    results = []
    for k in range(args.repeat):
        for m in (methods if k % 2 == 0 else methods[::-1]):
            results.append(measure(m, args.seeds, args.jobs, args.steps))
    ref = results[0]["results"]
    print(f"{'method':<12} {'runs':>5} {'wall s':>7} {'runs/s':>7} {'CPU ms/run':>10} "
          f"{'peak RSS MB':>12} {'peak PSS MB':>12} {'procs':>5} {'maxrss self/child MB':>21} "
          "same numbers")
    for r in results:
        same = r["results"] == ref
        print(f"{r['method']:<12} {r['runs']:>5} {r['seconds']:>7.1f} {r['runs_per_s']:>7.2f} "
              f"{1000 * r['cpu_s'] / r['runs']:>10.0f} "
              f"{r['peak_rss_kb'] / 1024:>12.0f} {r['peak_pss_kb'] / 1024:>12.0f} "
              f"{r['processes']:>5} {r['ru_maxrss_self_kb'] / 1024:>10.0f}/"
              f"{r['ru_maxrss_children_kb'] / 1024:<10.0f} {same}")
    best = {m: max((r for r in results if r["method"] == m), key=lambda r: r["runs_per_s"])
            for m in methods}
    if "batch" in best:
        base = best["batch"]
        for m, r in best.items():
            if m != "batch":
                print(f"batch vs {m} (best of {args.repeat}): "
                      f"{base['runs_per_s'] / r['runs_per_s']:.2f}x throughput, "
                      f"{r['cpu_s'] / r['runs'] / (base['cpu_s'] / base['runs']):.2f}x less "
                      f"CPU per run, {base['peak_pss_kb'] / r['peak_pss_kb']:.2f}x peak PSS, "
                      f"{base['peak_rss_kb'] / r['peak_rss_kb']:.2f}x peak RSS")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
