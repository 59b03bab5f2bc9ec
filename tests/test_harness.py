"""The notebook harness catches each failure it promises to catch."""

from __future__ import annotations

from pathlib import Path

import pytest
from notebook_harness import count_figures, execute

FIXTURES = Path(__file__).parent / "fixtures"
PARAMS = {"SMOKE": True, "DATA_DIR": "unused", "DEVICE": "cpu", "SEED": 0}


def entry(smoke_seconds: int = 60, min_figures: int = 1) -> dict:
    return {"smoke_seconds": smoke_seconds, "min_figures": min_figures}


@pytest.fixture
def out_dir(tmp_path, monkeypatch):
    monkeypatch.setattr("notebook_harness.DURATIONS", tmp_path / "durations.json")
    return tmp_path


def run(name: str, out: Path, **kw):
    return execute(FIXTURES / f"{name}.ipynb", entry(**kw), PARAMS, out_dir=out)


@pytest.mark.notebook
def test_a_good_notebook_passes_and_counts_its_figure(out_dir):
    result = run("good", out_dir)
    assert result.problems == []
    assert count_figures(result.notebook) == 1
    assert (out_dir / "good.ipynb").exists()


@pytest.mark.notebook
def test_too_few_figures_is_caught(out_dir):
    assert any("min_figures" in p for p in run("good", out_dir, min_figures=2).problems)


@pytest.mark.notebook
def test_an_erroring_cell_is_caught(out_dir):
    problems = run("erroring", out_dir).problems
    assert len(problems) == 1 and "RuntimeError: boom" in problems[0]


@pytest.mark.notebook
def test_a_missing_check_cell_is_caught(out_dir):
    assert run("no_check", out_dir).problems == ["no cell tagged 'check'"]


@pytest.mark.notebook
def test_a_notebook_over_budget_is_caught(out_dir):
    # Budget is twice smoke_seconds: 1 s -> 2 s, and the fixture sleeps 3 s.
    problems = run("slow", out_dir, smoke_seconds=1).problems
    assert len(problems) == 1 and "over twice smoke_seconds" in problems[0]


@pytest.mark.notebook
def test_exercises_are_judged_in_the_same_run(out_dir):
    """A wrong worked answer fails the smoke run itself; the executed copy holds both checks."""
    import nbformat
    from exercise_harness import find_exercises

    source = FIXTURES / "exercises" / "wrong_answer.ipynb"
    exercises, _ = find_exercises(nbformat.read(source, as_version=4))
    result = execute(source, entry(min_figures=0), PARAMS, out_dir=out_dir, exercises=exercises)
    assert (
        "exercise 'my_nss': the worked answer must pass its check, but check_function failed"
        in result.problems
    )
    tags = [t for c in result.notebook.cells for t in c.get("metadata", {}).get("tags", [])]
    assert "exercise-harness-check:my_nss" in tags
