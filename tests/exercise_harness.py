"""Find a notebook's checked exercises, then prove each stub fails and each worked answer passes.

The convention (``notebooks/TEMPLATE.md``, tags from :mod:`saliency_course.exercises`):

- ``exercise:<name>``: the code cell the student fills in, a stub that runs but
  fails its check clearly (e.g. a function body ``raise NotImplementedError``);
- ``exercise-check:<name>``: a later code cell calling ``check_function``;
- ``exercise-answer:<name>``: a markdown cell folding the worked answer in
  ``<details>`` as one fenced ``python`` block that replaces the stub.

:func:`instrument` copies a notebook and inserts, right after each check cell,
the worked answer and the check again. One execution then shows both verdicts:
the original check cell must print a failure (the untouched stub), the repeated
one a success (the answer). Used by ``tests/test_notebook_exercises.py``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from saliency_course.exercises import (
    ANSWER_TAG,
    CHECK_TAG,
    FAILED,
    PASSED,
    STUB_TAG,
    ExerciseError,
    answer_code,
)

HARNESS_ANSWER, HARNESS_CHECK = "exercise-harness-answer:", "exercise-harness-check:"
NAME = re.compile(r"^[A-Za-z_]\w*$")
KINDS = {STUB_TAG: "code", CHECK_TAG: "code", ANSWER_TAG: "markdown"}


@dataclass(frozen=True)
class Exercise:
    """One checked exercise: its name, the indices of its three cells, its worked answer."""

    name: str
    stub: int
    check: int
    answer: int
    code: str


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def find_exercises(nb) -> tuple[list[Exercise], list[str]]:
    """The notebook's exercises in order, and every way they break the convention."""
    cells: dict[str, dict[str, list[int]]] = {}
    problems = []
    for index, cell in enumerate(nb["cells"]):
        for tag in _tags(cell):
            prefix = next((p for p in KINDS if tag.startswith(p)), None)
            if prefix is None:
                continue
            name = tag[len(prefix) :]
            if not NAME.match(name):
                problems.append(f"cell {index}: tag {tag!r} needs a Python name after the colon")
                continue
            if cell["cell_type"] != KINDS[prefix]:
                problems.append(
                    f"cell {index}: {tag!r} belongs on a {KINDS[prefix]} cell, "
                    f"not a {cell['cell_type']} cell"
                )
            cells.setdefault(name, {p: [] for p in KINDS})[prefix].append(index)
    exercises = []
    for name, found in cells.items():
        missing = [p + name for p, where in found.items() if len(where) != 1]
        if missing:
            problems.append(
                f"exercise {name!r}: needs exactly one cell tagged each of {missing} "
                f"(found {[len(found[p]) for p in KINDS]} stub/check/answer cells)"
            )
            continue
        stub, check, answer = (found[p][0] for p in KINDS)
        if not stub < check:
            problems.append(
                f"exercise {name!r}: the check cell {check} must follow the stub {stub}"
            )
        if not stub < answer:
            problems.append(f"exercise {name!r}: the answer cell {answer} must follow the stub")
        if "check_function" not in "".join(nb["cells"][check]["source"]):
            problems.append(f"exercise {name!r}: the check cell {check} never calls check_function")
        try:
            code = answer_code(nb, name)
        except ExerciseError as error:
            problems.append(f"exercise {name!r}: {error}")
            continue
        exercises.append(Exercise(name, stub, check, answer, code))
    return sorted(exercises, key=lambda e: e.stub), problems


def instrument(nb, exercises: list[Exercise]):
    """A copy of ``nb`` running each worked answer and its check again right after the check."""
    nb = copy.deepcopy(nb)
    for exercise in sorted(exercises, key=lambda e: e.check, reverse=True):
        answer = nbformat.v4.new_code_cell(exercise.code)
        answer.metadata["tags"] = [HARNESS_ANSWER + exercise.name]
        check = nbformat.v4.new_code_cell("".join(nb.cells[exercise.check].source))
        check.metadata["tags"] = [HARNESS_CHECK + exercise.name]
        nb.cells[exercise.check + 1 : exercise.check + 1] = [answer, check]
    return nb


def verdict(cell) -> str | None:
    """``"passed"`` or ``"failed"`` from the check_function lines a cell printed; None if none."""
    text = "".join(
        "".join(o.get("text", ""))
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )
    marks = [line[0] for line in text.splitlines() if line[:1] in (PASSED, FAILED)]
    if not marks:
        return None
    return "passed" if all(m == PASSED for m in marks) else "failed"


def run_problems(executed, exercises: list[Exercise]) -> list[str]:
    """What is wrong in an executed instrumented notebook: stubs must fail, answers pass."""
    problems = []
    by_tag = {tag: cell for cell in executed.cells for tag in _tags(cell)}
    for exercise in exercises:
        stub = verdict(by_tag[CHECK_TAG + exercise.name])
        answer = verdict(by_tag[HARNESS_CHECK + exercise.name])
        if stub != "failed":
            problems.append(
                f"exercise {exercise.name!r}: the untouched stub must fail its check, "
                f"but check_function {'passed' if stub else 'printed no verdict'}"
            )
        if answer != "passed":
            problems.append(
                f"exercise {exercise.name!r}: the worked answer must pass its check, "
                f"but check_function {'failed' if answer else 'printed no verdict'}"
            )
    return problems


def run(source: Path, parameters: dict, out_dir: Path, timeout: int = 600) -> list[str]:
    """Execute ``source`` with every worked answer filled in; the problems found (empty: fine)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = nbformat.read(source, as_version=4)
    exercises, problems = find_exercises(nb)
    if problems or not exercises:
        return problems or [f"{source.name} has no checked exercise"]
    out_dir.mkdir(parents=True, exist_ok=True)
    instrumented, executed = out_dir / f"in_{source.name}", out_dir / source.name
    nbformat.write(instrument(nb, exercises), instrumented)
    try:
        papermill.execute_notebook(
            str(instrumented),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(source.parent),
            progress_bar=False,
            execution_timeout=timeout,
        )
    except PapermillExecutionError as error:
        return [f"cell {error.exec_count} raised {error.ename}: {error.evalue}"]
    return run_problems(nbformat.read(executed, as_version=4), exercises)
