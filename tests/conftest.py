"""Shared fixtures: the baseline run settings, composed once per session."""

from __future__ import annotations

import pytest

import sim


@pytest.fixture(scope="session")
def baseline_run():
    return sim.load_config("baseline")
