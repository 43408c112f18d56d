"""The schema declares every parameter and actor attribute once: bounds, unit and meaning."""

import math

import pytest

from sim.config import COUNTRY_ATTRIBUTES, LAB_ATTRIBUTES, PARAMETERS, load_config


@pytest.mark.parametrize("specs", [PARAMETERS, COUNTRY_ATTRIBUTES, LAB_ATTRIBUTES],
                         ids=["parameters", "countries", "labs"])
def test_every_entry_has_finite_bounds_a_unit_and_a_meaning(specs):
    for name, spec in specs.items():
        assert math.isfinite(spec.lo) and math.isfinite(spec.hi) and spec.lo < spec.hi, name
        assert spec.unit.strip() and spec.meaning.strip(), name
        assert spec.kind in (float, bool), name


def test_the_baseline_sets_every_parameter_within_its_declared_bounds():
    params = load_config("baseline").scenario.params
    assert set(params) == set(PARAMETERS)
    for name, value in params.items():
        assert PARAMETERS[name].lo <= value <= PARAMETERS[name].hi, name
