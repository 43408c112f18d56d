"""The dashboard's redraw time: change a lever, run 50 seeds, compute the shares and draw the
figures, as the page does after a lever moves (the reference's seeds are already cached).

    python benchmarks/bench_app.py [--seeds 50] [--jobs 2] [--repeats 5]

Each repeat moves a lever of ``exclusive_club`` to a new value (so nothing is cached), then
times, on the wall clock: the config (:func:`sim.app.levers.apply`), the seeds on a pool of
``--jobs`` worker processes (:class:`sim.app.engine.Engine`), and the shares and both figures
rendered to PNG (:class:`sim.app.figures.Drawer`, kept between repeats as the page keeps it
for a session; as on the page, the figures' backgrounds are drawn in a thread while the
seeds run, which costs the first repeat only). It also reads the CPU time the workers and
this process spent (Linux ``/proc``), so a number taken on a busy host can be read against
what two idle cores would take: about the larger of the workers' CPU times plus this
process's. Target: under 2 s for 50 seeds on 2 cores.
"""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time

from sim.app import figures, stats
from sim.app import levers as lv
from sim.app.engine import Engine
from sim.config import load_scenario
from sim.errors import OneLineParser, int_at_least

TARGET = 2.0  # seconds


def worker_cpu(engine: Engine) -> dict[int, float]:
    """CPU seconds (user + system) of each worker process, from /proc (Linux); {} elsewhere."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in engine.pool.pids():
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            return {}
    return out


def main(argv=None) -> None:
    ap = OneLineParser(prog="bench_app.py", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int_at_least(1, 10_000), default=50)
    ap.add_argument("--jobs", type=int_at_least(1, 256), default=2)
    ap.add_argument("--repeats", type=int_at_least(1, 100), default=5)
    args = ap.parse_args(argv)

    base, ref = load_scenario("exclusive_club"), load_scenario("baseline")
    engine = Engine(jobs=args.jobs)
    engine.warm()
    ref_set = engine.seeds(ref, args.seeds)  # the page has it cached after the first draw
    deal = next(p for p in lv.levers(base) if p.name == "deal_easing")
    lo, hi = deal.slider_range()
    names = ("baseline", "exclusive_club")
    drawer = figures.Drawer(stats.MEASURES)
    rows = []
    for k in range(args.repeats):
        value = round(lo + (k + 1) * (hi - lo) / (args.repeats + 2), 4)
        cpu0, main0, t0 = worker_cpu(engine), time.process_time(), time.perf_counter()
        run = lv.apply(base, lv.Choice({"safety_for_compute": True, "deal_easing": value}))
        t1 = time.perf_counter()
        background = threading.Thread(target=drawer.prepare, args=(ref_set, names))
        background.start()
        what = engine.seeds(run, args.seeds)
        background.join()
        t2 = time.perf_counter()
        shares_png, bands_png = drawer.draw(what, ref_set, names)
        assert shares_png[:4] == bands_png[:4] == b"\x89PNG"
        t3 = time.perf_counter()
        cpu1, main1 = worker_cpu(engine), time.process_time()
        spent = [cpu1[p] - cpu0.get(p, 0.0) for p in cpu1]
        rows.append({"value": value, "config": t1 - t0, "seeds": t2 - t1, "draw": t3 - t2,
                     "total": t3 - t0, "workers_cpu": spent, "main_cpu": main1 - main0})
    engine.close()

    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; {args.seeds} seeds on {args.jobs} "
          f"worker processes; deal_easing moved in each repeat")
    print("  repeat  config   seeds    draw   total (wall, s)   worker CPU (s)   main CPU (s)"
          "   idle estimate (s)")
    for k, r in enumerate(rows, 1):
        est = (max(r["workers_cpu"]) if r["workers_cpu"] else float("nan")) + r["main_cpu"]
        r["estimate"] = est
        cpu = "+".join(f"{x:.2f}" for x in r["workers_cpu"]) or "n/a"
        print(f"  {k:>6}  {r['config']:6.2f}  {r['seeds']:6.2f}  {r['draw']:6.2f}  "
              f"{r['total']:6.2f}            {cpu:<16} {r['main_cpu']:6.2f}        {est:6.2f}")
    best = min(r["total"] for r in rows)
    med = statistics.median(r["total"] for r in rows)
    est = min(r["estimate"] for r in rows)
    print(f"wall: fastest {best:.2f} s, median {med:.2f} s; idle-core estimate {est:.2f} s; "
          f"target {TARGET:g} s: {'met' if best < TARGET else 'missed'} on the wall clock")


if __name__ == "__main__":
    main()
