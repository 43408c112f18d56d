"""The notebooks in notebooks/: each runs top to bottom in fast mode and is committed clean.

Every ``notebooks/*.ipynb`` is picked up automatically (a notebook added later is tested without
touching this file). Each is executed with nbclient in a kernel running *this* interpreter, with
``AIGOV_FAST=1`` (the notebooks' first parameter cell reads it and shrinks seeds and steps), in
a temporary working directory so that nothing a notebook writes lands in the repository. The
executed copy is discarded: the committed file is never modified.

A notebook must be committed without outputs or execution counts (clear them in Jupyter with
"Edit > Clear Outputs of All Cells", or ``jupyter nbconvert --clear-output --inplace FILE``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell; fast mode needs a few seconds per notebook in all
KERNEL = "python3"


def _ids(paths):
    return [p.name for p in paths]


@pytest.fixture(scope="session")
def kernel_path(tmp_path_factory) -> Path:
    """A Jupyter data dir holding a ``python3`` kernel spec that runs this interpreter.

    Put first on JUPYTER_PATH, it wins over any ``python3`` spec of the user or the system, so
    the notebooks always run against the installed package of the current environment.
    """
    data = tmp_path_factory.mktemp("jupyter")
    spec = data / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python {sys.version_info.major}.{sys.version_info.minor} (tests)",
        "language": "python",
    }))
    return data


def _code_cells(nb):
    return [(k, c) for k, c in enumerate(nb.cells) if c.cell_type == "code"]


def test_notebooks_found():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    dirty = [f"cell {k}: {len(c.outputs)} output(s), execution_count {c.execution_count}"
             for k, c in _code_cells(nb) if c.outputs or c.execution_count is not None]
    assert not dirty, (
        f"{path.name} is committed with outputs; clear them (Jupyter: Edit > Clear Outputs of "
        f"All Cells, or `jupyter nbconvert --clear-output --inplace {shown}`): "
        + "; ".join(dirty))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_has_fast_switch(path):
    """The first code cell is the parameter cell and reads AIGOV_FAST (the test switch)."""
    nb = nbformat.read(path, as_version=4)
    cells = _code_cells(nb)
    assert cells, f"{path.name} has no code cells"
    first = cells[0][1].source
    assert "AIGOV_FAST" in first and "FAST" in first, (
        f"{path.name}: the first code cell must set FAST from the AIGOV_FAST environment "
        "variable, e.g. FAST = os.environ.get(\"AIGOV_FAST\") == \"1\"")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_fast_mode(path, tmp_path, kernel_path, monkeypatch):
    monkeypatch.setenv("AIGOV_FAST", "1")
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_path))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # the kernel's colour codes
        pytest.fail(f"{path.name} raised in fast mode:\n{plain}", pytrace=False)
    figures = [o for _, c in _code_cells(nb) for o in c.outputs
               if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} ran but displayed no figure"
