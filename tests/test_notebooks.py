"""Execute every notebook of the course in smoke mode on the real data.

Each notebook listed in ``notebooks/manifest.toml`` runs with papermill
(``SMOKE=True``, ``DATA_DIR=<real data>``, ``DEVICE="cpu"``, ``SEED=0``), offline,
and must run without error, execute every code cell, show ``min_figures`` figures,
contain a ``check`` cell and finish within twice its ``smoke_seconds``. Its checked
exercises run in the same execution: each stub must fail its check, each folded
worked answer pass it (``tests/exercise_harness.py``). Executed copies land in
``build/executed/``, durations in ``build/durations.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from exercise_harness import find_exercises
from notebook_harness import REPO, execute

sys.path.insert(0, str(REPO / "tools"))
from course_map import load_manifest  # noqa: E402

ENTRIES = load_manifest()


@pytest.mark.notebook
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"].split("_")[0] for e in ENTRIES])
def test_notebook_runs_in_smoke_mode(entry, data_dir: Path, offline_data_root):
    source = REPO / "notebooks" / entry["file"]
    exercises, problems = find_exercises(nbformat.read(source, as_version=4))
    assert not problems, f"{entry['file']}: " + "; ".join(problems)
    parameters = {"SMOKE": True, "DATA_DIR": str(data_dir), "DEVICE": "cpu", "SEED": 0}
    run = execute(source, entry, parameters, exercises=exercises)
    assert not run.problems, f"{entry['file']} ({run.seconds:.0f} s): " + "; ".join(run.problems)
