"""The model's data collection: Mesa's ``DataCollector``, used as documented.

:func:`observables_collector` builds a stock ``mesa.DataCollector`` with one model reporter per
observable (:data:`sim.metrics.OBSERVABLES`); the model calls its ``collect`` once a month. The
observables share intermediate results (the camps, the regime structure, world capability), so
the model computes them together once a month (``GovernanceModel._observed``) and each
reporter reads its own value from that dict; polarization, which needs nothing the others
compute, has a reporter of its own (:func:`polarization`).
"""

from __future__ import annotations

from functools import partial

import mesa

from sim import metrics


def observables_collector(keys: tuple[str, ...] = metrics.OBSERVABLES) -> mesa.DataCollector:
    """A stock DataCollector of ``keys`` (observables of :data:`sim.metrics.OBSERVABLES`)."""
    return mesa.DataCollector(model_reporters={
        k: polarization if k == "polarization" else partial(read_observable, key=k)
        for k in keys})


def polarization(model) -> float:
    """The model reporter of polarization: :func:`sim.metrics.polarization` of this month's
    alignments, weighted by capability."""
    return metrics.polarization(model.alignment, model.capability)


def read_observable(model, key: str) -> float:
    """The model reporter of observable ``key``: this month's value (``model._observed``)."""
    return model._observed[key]
