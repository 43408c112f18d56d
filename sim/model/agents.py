"""Thin Mesa agents over the model's arrays.

Agents hold no state of their own: each is a named view on a row of the model's numpy arrays, so
the monthly step stays array arithmetic while a notebook user can still ask
``model.country("China").trust_in("United States")``.
"""

from __future__ import annotations

import mesa


class Country(mesa.Agent):
    """A state at the table: row ``index`` of the model's country arrays."""

    def __init__(self, model, index: int, name: str, bloc: str):
        super().__init__(model)
        self.index, self.name, self.bloc = index, name, bloc

    @property
    def capability(self) -> float:
        return float(self.model.capability[self.index])

    @property
    def commitment(self) -> float:
        return float(self.model.commitment[self.index])

    @property
    def implemented(self) -> float:
        return float(self.model.implemented[self.index])

    @property
    def risk_concern(self) -> float:
        return float(self.model.risk_concern[self.index])

    @property
    def hawkishness(self) -> float:
        return float(self.model.hawkishness[self.index])

    @property
    def compute_access(self) -> float:
        return float(self.model.compute_access[self.index])

    def trust_in(self, other: str) -> float:
        return float(self.model.trust[self.index, self.model.country_index[other]])

    def controls_on(self, other: str) -> float:
        return float(self.model.controls[self.index, self.model.country_index[other]])

    def __repr__(self) -> str:
        return f"Country({self.name!r}, capability={self.capability:.3f})"


class Lab(mesa.Agent):
    """An AI lab or institution: row ``index`` of the model's lab arrays."""

    def __init__(self, model, index: int, name: str, home: str):
        super().__init__(model)
        self.index, self.name, self.home = index, name, home

    @property
    def safety_investment(self) -> float:
        return float(self.model.lab_safety[self.index])

    @property
    def openness(self) -> float:
        return float(self.model.lab_openness[self.index])

    @property
    def pledge(self) -> float:
        return float(self.model.lab_pledge[self.index])

    def __repr__(self) -> str:
        return f"Lab({self.name!r}, home={self.home!r}, safety={self.safety_investment:.3f})"
