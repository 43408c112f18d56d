"""aigov-compare: run scenarios over the same seeds and compare them with the first one.

    aigov-compare baseline exclusive_club --seeds 100
    aigov-compare un_led uk_bridge exclusive_club --seeds 100 --steps 120 --jobs 4
    aigov-compare baseline safety_for_compute --set scenario.uncertainties.trust_gain=0.08

Every scenario runs seeds 0..N-1, so seed k draws the same random stream in every scenario
(common random numbers): differences against the reference are paired seed by seed, which
makes them far more precise than the separate intervals. Runs are spread over processes, one
per core by default (the pool of :mod:`sim.runs`). The results go to a new folder (default
``outputs/compare/<timestamp>_<names>/``, never overwritten):

- ``outcomes.csv``: share of each outcome per scenario, 95% Wilson interval, and the paired
  difference to the reference with its 95% t-interval;
- ``observables.csv``: mean of each final observable, 95% t-interval, paired difference;
- ``bands.csv``: 10th, 50th and 90th percentile of each observable over seeds, per month;
- ``runs.csv``: one row per scenario and seed (outcome and final observables);
- ``summary.json``, ``table.txt`` (the printed table) and ``compare.png`` (the figure);
- ``story.md``: the comparison in plain words (:func:`sim.report.story.compare_story`): outcome
  shares with 95% intervals, the continuous measures, and the ledger causes that differ most
  between each what-if and the reference.

Besides the model's observables, seven quantities are read from the model's state each month
(NaN when a country they need is not in the roster): ``us_china_controls`` (controls[US,
China]), ``china_implemented`` (implemented[China]), ``china_verified_by_us`` (China's safety
as the US last verified it), ``us_china_trust`` (trust[US, China]), ``us_china_deals`` (months
in which the safety-for-compute deal eased US controls on China, the model's own per-pair count
``model.deal_months[US, China]``), ``uk_china_trust`` (mean of
both directions) and ``open_lab_safety`` (capability-weighted safety investment of the labs
with openness >= 0.5). And the trust ledger, cumulative since the start: ``ledger_<cause>``,
the mean change of trust per ordered pair of countries due to each cause (co-signing, dialogue,
exclusion, verification, rivalry, relaxation, bounds; ``ledger_drift`` the baseline's), so a
difference between scenarios can be traced to the mechanism behind it (in the tables, not the
figure).

The package: :mod:`~sim.studies.compare.running` (what is read from every run, and running the
seeds), :mod:`~sim.studies.compare.tables` (the numbers and the printed table),
:mod:`~sim.studies.compare.figure` (the figure) and :mod:`~sim.studies.compare.cli` (the
command).
"""

from sim.lazy import lazy_names

# name -> the module of this package that defines it, imported on first use (PEP 562), so that
# `aigov-compare --help` does not load the model, scipy and matplotlib
_EXPORTS = {
    "cli": ("DEFAULT_ROOT", "MAX_SEEDS", "MAX_SERIES_BYTES", "STORY_MEASURES", "check_args",
        "check_size", "compare", "main", "parse_args", "summary_dict", "write_outputs"),
    "figure": ("PROBE_LABELS", "REFERENCE_GREY", "UNITS", "WHATIF_COLOURS", "WHATIF_STYLES",
        "comparison_figure", "constant_columns", "label_of", "line_looks", "tick_label",
        "window_text"),
    "running": ("COLUMNS", "FIGURE_COLUMNS", "LEDGER", "OPEN", "PROBES", "Results", "SUPPLIER",
        "TARGET", "open_lab_safety", "run_all", "simulate", "state_row"),
    "tables": ("BAND", "CONFIDENCE", "band_table", "mean_interval", "observable_table",
        "outcome_table", "render_table", "runs_table", "wilson_interval"),
}
_HOMES = {name: f"{__name__}.{module}" for module, names in _EXPORTS.items()
          for name in names}
__all__ = sorted(_HOMES)

__getattr__, __dir__ = lazy_names(__name__, _HOMES, globals())
