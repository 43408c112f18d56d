"""The model's data collection: Mesa's ``DataCollector``, used as documented, with the
observables settled when the data are read.

:func:`observables_collector` builds a stock ``mesa.DataCollector`` with one model reporter per
observable (:data:`sim.model.metrics.OBSERVABLES`); the model calls its ``collect`` once a month.
Every reporter records ``None`` (:func:`pending`) and :class:`DeferredObservables` keeps what
the month's values are computed from: the month's alignments and capabilities, and the few
products and sums of the state that is not kept from month to month (trust, controls and
implemented safety; :func:`month_parts`). The pending months are settled together into the
collector's public ``model_vars`` when the model's ``datacollector`` is read: world capability,
the camps' sizes, the capability gap, polarization, the regime structure and the divisions are
taken over all months at once (the ``*_many`` forms of :mod:`sim.model.metrics` and
:meth:`sim.model.regime_book.RegimeBook.structures`, the same numbers as the plain monthly
functions, tests/model/test_observation.py). Polarization alone is about forty small array
operations a month; benchmarks/README.md gives the measured costs.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.model import metrics

DEFERRED = "polarization"  # the observable deferred first (benchmarks/README.md)
PARTS = ("trust_sum", "cross", "camp_a_cap", "camp_b_cap", "safety_cap", "mean_controls",
         "lab_safety", "incidents", "deals")  # month_parts, in order


def observables_collector(keys: tuple[str, ...] = metrics.OBSERVABLES) -> mesa.DataCollector:
    """A stock DataCollector of ``keys`` (observables of :data:`sim.model.metrics.OBSERVABLES`);
    each reporter records ``None`` until :class:`DeferredObservables` settles it."""
    return mesa.DataCollector(model_reporters=dict.fromkeys(keys, pending))


def pending(model) -> None:
    """The model reporter of every observable: a place for the value settled when read."""
    return None


def month_parts(model) -> tuple:
    """What this month's observables need of the state that is not kept (in :data:`PARTS`
    order): trust's sum, the two camps' cross products of trust (metrics.cross_camp_trust's
    numerator), the capability in each camp and capability times implemented safety
    (products, divided by world capability when settled), metrics.mean_controls (on the
    supplier rows the model keeps), the labs' weighted safety (``model._lab_dot / _lab_sum``,
    from model._observe), incidents and deals. The camps are
    sim.model.mechanisms.alignment.camps; a boolean mask in a dot is the 0/1 float array."""
    trust, cap, al = model.trust, model.capability, model.alignment
    side = al if al[model.poles[0]] >= 0 else -al  # alignment.oriented
    threshold = model.run_config.outcome.camp_threshold
    camp_a, camp_b = side >= threshold, side <= -threshold
    rows, n = model._supplier_rows, model.n
    return (trust.sum(), camp_a.dot(trust).dot(camp_b) + camp_b.dot(trust).dot(camp_a),
            cap.dot(camp_a), cap.dot(camp_b), cap.dot(model.implemented),
            float(model.controls.take(rows, 0).sum()) / (rows.size * (n - 1))
            if rows.size and n > 1 else 0.0,
            model._lab_dot / model._lab_sum if model.lab_cap.size else 0.0,
            model.incidents, model.deal_count)


class DeferredObservables:
    """The months whose observables are pending: their rows in the collector's series, their
    alignments and capabilities (N values each) and :func:`month_parts`."""

    MAX_PENDING = 1_000_000  # alignment and capability values held back at most (16 MB)

    def __init__(self, model, months: int):
        """For ``model`` (its roster, leaders, camp threshold and regime book), expecting
        ``months`` collections (the pending are settled when more are held back)."""
        n = model.n
        self.n, self.book, self.poles = n, model.book, model.poles
        self.threshold = model.run_config.outcome.camp_threshold
        size = max(1, min(months, self.MAX_PENDING // max(n, 1)))
        self._alignments, self._capabilities = np.empty((size, n)), np.empty((size, n))
        self._first = 0  # row of the first pending month in the collector's series
        self._parts: list[tuple] = []

    def keep(self, model_vars: dict[str, list], model) -> None:
        """After ``collect``: keep this month's inputs for the values it left as ``None``."""
        k = len(self._parts)
        if not k:
            self._first = len(next(iter(model_vars.values()))) - 1
        self._alignments[k] = model.alignment
        self._capabilities[k] = model.capability
        self._parts.append(month_parts(model))
        if k + 1 == self._alignments.shape[0]:
            self.settle(model_vars)

    def settle(self, model_vars: dict[str, list]) -> None:
        """Write the pending months' observables into ``model_vars`` (all months at once)."""
        t = len(self._parts)
        if not t:
            return
        values = self.values()
        for key, series in model_vars.items():
            series[self._first:self._first + t] = values[key].tolist()
        self._parts.clear()

    def values(self) -> dict[str, np.ndarray]:
        """Every observable of the pending months (T,), as the plain metrics give it month by
        month: world capability, camps, the gap, polarization and the regimes here."""
        t, n = len(self._parts), self.n
        al, cap = self._alignments[:t], self._capabilities[:t]
        parts = dict(zip(PARTS, np.array(self._parts, dtype=float).T, strict=True))
        total = cap.sum(axis=1)  # float(capability.sum()), month by month
        mean_trust = (parts["trust_sum"] - n) / (n * (n - 1))
        size_a, size_b = metrics.camp_sizes_many(al, self.poles[0], self.threshold)
        across = (size_a > 0) & (size_b > 0)
        pairs = np.where(across, 2.0 * size_a * size_b, 1.0)
        structure = self.book.structures(np.arange(self._first, self._first + t), total)
        return {
            "mean_trust": mean_trust,
            "cross_camp_trust": np.where(across, parts["cross"] / pairs, mean_trust),
            "polarization": np.array(metrics.polarization_many(al, cap)),
            "camp_a_share": parts["camp_a_cap"] / total,
            "camp_b_share": parts["camp_b_cap"] / total,
            "regimes_in_force": structure[:, 0], "regime_depth": structure[:, 1],
            "regime_coverage": structure[:, 2], "shared_depth": structure[:, 3],
            "global_safety": parts["safety_cap"] / total,
            "mean_controls": parts["mean_controls"],
            "capability_gap": metrics.capability_gap_many(cap),
            "incidents": parts["incidents"], "lab_safety": parts["lab_safety"],
            "deals": parts["deals"],
        }
