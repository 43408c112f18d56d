"""The trust ledger's rows are the plain running totals: each change's sum added to its cause
in the order recorded, the month's totals over N (N - 1), whenever the rows are read."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.ledger import CAUSES, DRIFT, STEP_CAUSES, TrustLedger


@pytest.mark.parametrize("n", [5, 70])
def test_ledger_rows_are_the_running_totals_in_order(n):
    rng = np.random.default_rng(n)
    ledger = TrustLedger(n)
    plain: list[dict] = []
    for month in range(6):
        totals = dict.fromkeys((*CAUSES, DRIFT), 0.0)
        for cause in ("dialogue", "bounds", "cosigning"):  # sessions before the step
            delta = rng.normal(size=(n, n))
            ledger.add(cause, delta)
            totals[cause] += float(delta.sum())
        summed = "drift" if month % 2 else None
        for cause in STEP_CAUSES:
            if cause == summed:
                total = float(rng.normal())
                ledger.add_step_sum(cause, total)
                totals[cause] += total
            elif month != 3 or cause != "rivalry":  # rivalry's slot unwritten in month 3
                change = rng.normal(size=(n, n)) * (0.0 if cause == "bounds" else 1.0)
                ledger.slot(cause)[...] = change
                totals[cause] += float(change.sum())
            else:
                totals[cause] += 0.0
        ledger.close_step()
        if month == 4:  # a change recorded after the step's
            late = rng.normal(size=(n, n))
            ledger.add("verification", late)
            totals["verification"] += float(late.sum())
        ledger.close(month + 1)
        plain.append({"step": month + 1, **{c: v / (n * (n - 1)) for c, v in totals.items()}})
        if month == 2:  # rows read part-way
            assert ledger.rows == plain
    assert ledger.rows == plain
    assert all(np.signbit(r["bounds"]) == np.signbit(p["bounds"])
               for r, p in zip(ledger.rows, plain, strict=True))
    table = ledger.table()
    assert list(table.columns) == ["step", *CAUSES, DRIFT] and len(table) == 6
    assert table["step"].dtype == np.int64 and table["drift"].tolist() == [
        p["drift"] for p in plain]
