"""The model's data collection: Mesa's ``DataCollector``, used as documented, with polarization
settled when the data are read.

:func:`observables_collector` builds a stock ``mesa.DataCollector`` with one model reporter per
observable (:data:`sim.model.metrics.OBSERVABLES`); the model calls its ``collect`` once a month.
The observables share intermediate results (the camps, the regime structure, world capability),
so the model computes them together once a month (``GovernanceModel._observed``) and each reporter
reads its own value from that dict.

Polarization (:func:`sim.model.metrics.polarization`, about forty small array operations) would take
about a tenth of a default run if computed every month (benchmarks/README.md gives the measured
shares), so it is deferred: its reporter records ``None`` and :class:`DeferredPolarization`
keeps the month's alignments and capabilities; the pending months are settled together
(:func:`sim.model.metrics.polarization_many`, the same numbers) into the collector's public
``model_vars`` when the model's ``datacollector`` is read.
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from sim.model import metrics

DEFERRED = "polarization"


def observables_collector(keys: tuple[str, ...] = metrics.OBSERVABLES) -> mesa.DataCollector:
    """A stock DataCollector of ``keys`` (observables of :data:`sim.model.metrics.OBSERVABLES`);
    polarization's reporter records ``None`` until :class:`DeferredPolarization` settles it."""
    return mesa.DataCollector(model_reporters={
        k: pending if k == DEFERRED else partial(read_observable, key=k) for k in keys})


def read_observable(model, key: str) -> float:
    """The model reporter of observable ``key``: this month's value (``model._observed``)."""
    return model._observed[key]


def pending(model) -> None:
    """The model reporter of polarization: a place for the value settled when read."""
    return None


class DeferredPolarization:
    """The months whose polarization is pending: their row in the collector's series and the
    alignments and capabilities it is computed from."""

    MAX_PENDING = 1_000_000  # values held back at most (16 MB), then the pending are settled

    def __init__(self) -> None:
        self._rows: list[int] = []
        self._alignments: list[np.ndarray] = []
        self._capabilities: list[np.ndarray] = []

    def keep(self, model_vars: dict[str, list], alignment: np.ndarray,
             capability: np.ndarray) -> None:
        """After ``collect``: keep this month's inputs for the value it left as ``None``."""
        series = model_vars.get(DEFERRED)
        if series is None:
            return
        self._rows.append(len(series) - 1)
        self._alignments.append(alignment.copy())
        self._capabilities.append(capability.copy())
        if len(self._rows) * alignment.size > self.MAX_PENDING:
            self.settle(model_vars)

    def settle(self, model_vars: dict[str, list]) -> None:
        """Write the pending months' polarization into ``model_vars`` (all months at once)."""
        if not self._rows:
            return
        values = metrics.polarization_many(np.array(self._alignments),
                                           np.array(self._capabilities))
        series = model_vars[DEFERRED]
        for row, value in zip(self._rows, values, strict=True):
            series[row] = value
        self._rows.clear()
        self._alignments.clear()
        self._capabilities.clear()
