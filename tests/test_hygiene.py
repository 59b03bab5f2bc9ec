"""Fast checks of the committed notebooks and the manifest (no kernel is started)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from lecture_rules import (
    ENFORCE_CELL_LENGTH,
    ENFORCE_SLIDES,
    MAX_CODE_LINES,
    has_slide_metadata,
    long_code_cells,
    slide_problems,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
from course_map import COLAB, README, load_manifest, readme_block, render  # noqa: E402

NOTEBOOKS = REPO / "notebooks"
ENTRIES = load_manifest()
FILES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
REQUIRED_FIELDS = {
    "file",
    "title",
    "summary",
    "accelerator",
    "smoke_seconds",
    "min_figures",
    "datasets",
}
PARAMETERS = ("SMOKE", "DATA_DIR", "DEVICE", "SEED")
TORCH_INSTALL = re.compile(r"(pip|conda)\s+install\b[^\n]*\btorch(vision|audio)?\b")


def test_manifest_and_notebook_folder_agree():
    listed = [entry["file"] for entry in ENTRIES]
    assert len(listed) == len(set(listed)), "a notebook is listed twice in manifest.toml"
    assert sorted(listed) == FILES, "notebooks/ and manifest.toml list different notebooks"
    assert listed == sorted(listed), "manifest.toml must list notebooks in teaching (file) order"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["file"])
def test_manifest_entry_is_complete(entry):
    assert REQUIRED_FIELDS <= set(entry), f"missing fields: {REQUIRED_FIELDS - set(entry)}"
    assert entry["accelerator"] in {"cpu", "gpu"}
    assert 0 < entry["smoke_seconds"] <= 90
    assert entry["min_figures"] >= 1


def test_readme_course_map_is_generated_from_the_manifest():
    assert readme_block(README.read_text()) == render(ENTRIES), (
        "README course map is stale: run `python tools/course_map.py --write`"
    )


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.parametrize("name", FILES)
def test_notebook_is_clean_and_follows_the_template(name):
    path = NOTEBOOKS / name
    assert path.stat().st_size < 200_000, f"{name} is over 200 KB"
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    cells = nb["cells"]

    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"cell {i} has outputs: clear them before committing"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"
        source = _source(cell)
        assert not TORCH_INSTALL.search(source), f"cell {i} installs torch (never on Colab)"
        assert "sys.path" not in source, f"cell {i} edits sys.path: install the package instead"

    first = cells[0]
    assert first["cell_type"] == "markdown" and "colab-badge.svg" in _source(first)
    assert COLAB + name in _source(first), "the Colab badge must link this notebook's own path"

    parameters = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(parameters) == 1, f"{len(parameters)} cells tagged 'parameters', expected 1"
    for variable in PARAMETERS:
        assert re.search(rf"^{variable}\s*=", _source(parameters[0]), re.M), (
            f"the parameters cell does not set {variable}"
        )


# -- lecture rules (issues 17 and 18.6); switches in tests/lecture_rules.py ----------------


@pytest.mark.parametrize("name", FILES)
def test_notebook_slide_metadata_makes_a_deck(name):
    nb = json.loads((NOTEBOOKS / name).read_text())
    if not has_slide_metadata(nb) and not ENFORCE_SLIDES:
        pytest.skip(f"{name}: no slide metadata yet (rule off: ENFORCE_SLIDES in lecture_rules)")
    problems = slide_problems(nb)
    assert not problems, f"{name}: " + "; ".join(problems)


@pytest.mark.parametrize("name", FILES)
def test_notebook_code_cells_are_short(name):
    long = long_code_cells(json.loads((NOTEBOOKS / name).read_text()))
    message = f"{name}: code cells over {MAX_CODE_LINES} lines (cell, lines): {long}"
    if long and not ENFORCE_CELL_LENGTH:
        pytest.skip(message + " (rule off: ENFORCE_CELL_LENGTH in tests/lecture_rules.py)")
    assert not long, message
