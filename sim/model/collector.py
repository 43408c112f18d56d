"""The model's data collector: each month's observables, with polarization settled when read.

:class:`ObservablesCollector` is a ``mesa.DataCollector`` with one model reporter per observable
(:data:`sim.model.metrics.OBSERVABLES`), filled from the dict the model computes each month
(``GovernanceModel._observed``). Mesa's stock ``collect`` calls and deep-copies every reporter in
turn; the observables are plain floats computed together, so one pass over the dict records the
same values.

Polarization (:func:`sim.model.metrics.polarization`, about forty small array operations) is
deferred:
``collect`` keeps the month's alignments and capabilities, and the pending months are settled
together (:func:`sim.model.metrics.polarization_many`, the same numbers) when the data are read:
``model_vars``, ``get_model_vars_dataframe``, or the model's ``obs``.
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from sim.model import metrics

DEFERRED = "polarization"


class ObservablesCollector(mesa.DataCollector):
    """DataCollector of :data:`sim.model.metrics.OBSERVABLES` (see the module docstring)."""

    MAX_PENDING = 1_000_000  # values held back at most (16 MB), then the pending are settled

    def __init__(self, keys: tuple[str, ...] = metrics.OBSERVABLES):
        self._pending: list[tuple[int, np.ndarray, np.ndarray]] = []  # (row, alignment, cap)
        super().__init__(model_reporters={k: partial(_read_observable, key=k) for k in keys})
        self._keys = tuple(k for k in self._vars if k != DEFERRED)

    @property
    def model_vars(self) -> dict[str, list]:
        if self._pending:
            self._settle()
        return self._vars

    @model_vars.setter
    def model_vars(self, value: dict[str, list]) -> None:
        self._vars = value

    def collect(self, model) -> None:
        """Record the month's observables (polarization's inputs kept for the read)."""
        self._collection_steps.append(model.time)
        observed, out = model._observed, self._vars
        for key in self._keys:
            out[key].append(observed[key])
        if DEFERRED in out:
            out[DEFERRED].append(None)
            self._pending.append((len(out[DEFERRED]) - 1, model.alignment.copy(),
                                  model.capability.copy()))
            if len(self._pending) * model.n > self.MAX_PENDING:
                self._settle()

    def _settle(self) -> None:
        rows, alignments, capabilities = zip(*self._pending, strict=True)
        values = metrics.polarization_many(np.array(alignments), np.array(capabilities))
        series = self._vars[DEFERRED]
        for row, value in zip(rows, values, strict=True):
            series[row] = value
        self._pending.clear()


def _read_observable(model, key: str) -> float:
    """The reporter mesa keeps for each observable (``collect`` reads the dict directly)."""
    return model._observed[key]
