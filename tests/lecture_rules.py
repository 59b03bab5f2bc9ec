"""Rules of the lecture-ready notebooks (issues 17 and 18).

Each rule is a plain function of a notebook (tested on fixtures in
``tests/test_slides.py`` and ``tests/test_notebook_exercises.py``). The course's
notebooks are checked against it by ``tests/test_hygiene.py`` and
``tests/test_notebook_exercises.py``:

- slide metadata on every notebook, making a deck of ``MIN_SLIDES`` to
  ``MAX_SLIDES`` slides;
- code cells of at most ``MAX_CODE_LINES`` lines;
- at least ``MIN_EXERCISES`` checked exercises (run in the notebook's smoke
  execution, ``tests/test_notebooks.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from build_slides import ROLES, has_slide_metadata, slide_count, slide_roles  # noqa: E402

MIN_SLIDES, MAX_SLIDES = 12, 30
MAX_CODE_LINES = 25
MIN_EXERCISES = 2


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def slide_problems(nb) -> list[str]:
    """How a notebook's slide metadata breaks the deck rules (empty: it follows them).

    Every role is one of :data:`ROLES`, the deck has ``MIN_SLIDES`` to
    ``MAX_SLIDES`` slides, and the set-up cells (the Colab install cell and the
    ``parameters`` cell) are skipped.
    """
    if not has_slide_metadata(nb):
        return ["no cell has slide metadata (cell metadata 'slideshow': {'slide_type': ...})"]
    problems = []
    for index, cell in enumerate(nb["cells"]):
        role = cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")
        if role not in ROLES:
            problems.append(f"cell {index}: slide_type {role!r} is none of {sorted(ROLES)}")
    count = slide_count(nb)
    if not MIN_SLIDES <= count <= MAX_SLIDES:
        problems.append(f"the deck has {count} slides, expected {MIN_SLIDES} to {MAX_SLIDES}")
    roles = slide_roles(nb)
    for index, cell in enumerate(nb["cells"]):
        setup = "parameters" in cell.get("metadata", {}).get("tags", []) or (
            cell["cell_type"] == "code" and "google.colab" in _source(cell)
        )
        if setup and roles[index] != "skip":
            problems.append(f"cell {index} is a set-up cell: its slide_type must be 'skip'")
    return problems


def long_code_cells(nb, limit: int = MAX_CODE_LINES) -> list[tuple[int, int]]:
    """``(cell index, lines)`` of every code cell longer than ``limit`` lines."""
    return [
        (index, lines)
        for index, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        and (lines := len(_source(cell).rstrip("\n").splitlines())) > limit
    ]
