"""Run course notebooks with papermill and judge the executed copy.

Used by ``tests/test_notebooks.py`` (the course) and ``tests/test_harness.py``
(fixture notebooks that prove each failure is caught). A notebook with checked
exercises runs once, instrumented (:func:`exercise_harness.instrument`): each
untouched stub must fail its check and each worked answer pass it, in the same
execution that the smoke rules judge.
"""

from __future__ import annotations

import fcntl
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build"
EXECUTED = BUILD / "executed"
DURATIONS = BUILD / "durations.json"
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")


@dataclass
class NotebookRun:
    """What one papermill execution produced and what is wrong with it."""

    name: str
    seconds: float
    notebook: nbformat.NotebookNode | None
    problems: list[str] = field(default_factory=list)


def count_figures(nb: nbformat.NotebookNode) -> int:
    """Number of image outputs (display data or results) in an executed notebook."""
    return sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if any(mime in output.get("data", {}) for mime in IMAGE_MIMES)
    )


def tagged(nb: nbformat.NotebookNode, tag: str) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if tag in cell.get("metadata", {}).get("tags", [])]


def judge(nb: nbformat.NotebookNode, seconds: float, entry: dict) -> list[str]:
    """Every rule an executed smoke run must satisfy, as a list of problems."""
    problems = []
    unexecuted = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.execution_count is None
    ]
    if unexecuted:
        problems.append(f"code cells never executed: {unexecuted}")
    figures = count_figures(nb)
    if figures < entry["min_figures"]:
        problems.append(f"{figures} figures, fewer than min_figures={entry['min_figures']}")
    if not tagged(nb, "check"):
        problems.append("no cell tagged 'check'")
    budget = 2 * entry["smoke_seconds"]
    if seconds > budget:
        problems.append(f"took {seconds:.0f} s, over twice smoke_seconds ({budget} s)")
    return problems


def execute(
    source: Path, entry: dict, parameters: dict, out_dir: Path = EXECUTED, exercises=()
) -> NotebookRun:
    """Execute ``source`` with papermill (kernel ``python3``) and judge the result.

    With ``exercises`` (from :func:`exercise_harness.find_exercises`) the notebook runs
    with every worked answer and its check inserted after the original check, and the
    verdicts of both are judged too.
    """
    import papermill
    from exercise_harness import instrument, run_problems
    from papermill.exceptions import PapermillExecutionError

    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / source.name
    runnable = source
    if exercises:
        runnable = out_dir / "instrumented" / source.name
        runnable.parent.mkdir(exist_ok=True)
        nbformat.write(instrument(nbformat.read(source, as_version=4), exercises), runnable)
    start = time.perf_counter()
    problems = []
    try:
        papermill.execute_notebook(
            str(runnable),
            str(output),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(source.parent),
            progress_bar=False,
            execution_timeout=max(60, 4 * entry["smoke_seconds"]),
        )
    except PapermillExecutionError as error:
        problems.append(f"cell {error.exec_count} raised {error.ename}: {error.evalue}")
    seconds = time.perf_counter() - start
    nb = nbformat.read(output, as_version=4) if output.exists() else None
    if nb is None:
        problems.append("papermill wrote no executed notebook")
    elif not problems:
        problems.extend(judge(nb, seconds, entry))
        problems.extend(run_problems(nb, exercises))
    record_duration(source.name, seconds)
    return NotebookRun(source.name, seconds, nb, problems)


def record_duration(name: str, seconds: float, path: Path = DURATIONS) -> None:
    """Merge one duration into ``build/durations.json`` (safe under pytest-xdist)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text()) if path.exists() else {}
        data[name] = round(seconds, 1)
        path.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n")
