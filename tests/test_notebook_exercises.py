"""Checked exercises: each stub fails its check, each folded worked answer passes it.

The harness (``tests/exercise_harness.py``) is proven on fixture notebooks in
``tests/fixtures/exercises/``. Every notebook of the manifest is checked for the
convention here; its exercises then run inside its one smoke execution
(``tests/test_notebooks.py``), with every worked answer filled in. The rule "at
least two per notebook" is ``MIN_EXERCISES`` in ``tests/lecture_rules.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from exercise_harness import find_exercises, instrument, run, run_problems
from lecture_rules import MIN_EXERCISES

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "exercises"
BUILD = REPO / "build" / "exercises"
sys.path.insert(0, str(REPO / "tools"))
from course_map import load_manifest  # noqa: E402

ENTRIES = load_manifest()


def test_the_convention_is_read_from_the_tags():
    nb = nbformat.read(FIXTURES / "two_exercises.ipynb", as_version=4)
    exercises, problems = find_exercises(nb)
    assert problems == []
    assert [(e.name, e.stub, e.check, e.answer) for e in exercises] == [
        ("my_mean", 3, 4, 5),
        ("my_nss", 7, 8, 9),
    ]
    assert exercises[0].code == "def my_mean(values):\n    return values.sum() / len(values)\n"
    copy = instrument(nb, exercises)
    assert len(copy.cells) == len(nb.cells) + 4
    assert copy.cells[5].source == exercises[0].code  # the answer right after the check
    assert copy.cells[6].source == nb.cells[4].source  # then the check again
    assert copy.cells[7].source == nb.cells[5].source


def test_broken_conventions_are_reported():
    nb = nbformat.read(FIXTURES / "malformed.ipynb", as_version=4)
    exercises, problems = find_exercises(nb)
    assert exercises == []
    assert len(problems) == 4, problems
    text = "\n".join(problems)
    assert "'exercise:not a name' needs a Python name" in text
    assert "exercise 'my_mean': the check cell 3 never calls check_function" in text
    assert "exercise 'my_mean': the cell tagged 'exercise-answer:my_mean' must fold" in text
    assert "exercise 'my_nss': needs exactly one cell tagged each of ['exercise-check:my_nss']" in (
        text
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("two_exercises", []),
        (
            "wrong_answer",
            ["'my_nss': the worked answer must pass its check, but check_function failed"],
        ),
        (
            "stub_passes",
            ["'my_nss': the untouched stub must fail its check, but check_function passed"],
        ),
    ],
)
def test_the_harness_runs_stubs_and_answers(name, expected, tmp_path, offline_data_root):
    problems = run(FIXTURES / f"{name}.ipynb", {}, tmp_path)
    assert [p.removeprefix("exercise ") for p in problems] == expected
    if not expected:  # both verdicts came from real check_function output
        executed = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
        exercises, _ = find_exercises(nbformat.read(FIXTURES / f"{name}.ipynb", as_version=4))
        assert run_problems(executed, exercises) == []
        assert "not implemented yet" in "".join(executed.cells[4].outputs[0].text)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"].split("_")[0] for e in ENTRIES])
def test_notebook_exercises_follow_the_convention(entry):
    nb = nbformat.read(REPO / "notebooks" / entry["file"], as_version=4)
    exercises, problems = find_exercises(nb)
    assert not problems, "\n".join(problems)
    assert len(exercises) >= MIN_EXERCISES, (
        f"{len(exercises)} checked exercises, fewer than {MIN_EXERCISES}"
    )
