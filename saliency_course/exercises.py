"""Checked exercises: compare a student's function with the package's, and show worked answers.

A notebook marks each exercise with three cell tags (``notebooks/TEMPLATE.md``):
``exercise:<name>`` on the code cell the student fills in (a stub that fails
clearly, e.g. ``raise NotImplementedError``), ``exercise-check:<name>`` on the
code cell that calls :func:`check_function`, and ``exercise-answer:<name>`` on
the markdown cell whose ``<details>`` block holds the worked answer as one
fenced ``python`` block. :func:`reveal` reads that answer from the notebook.

>>> import numpy as np
>>> ok = check_function(np.sum, np.sum, [(np.ones(3),)], name="sum", verbose=False)
>>> ok
True
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import SaliencyCourseError

__all__ = [
    "ANSWER_TAG",
    "CHECK_TAG",
    "FAILED",
    "PASSED",
    "STUB_TAG",
    "CaseResult",
    "ExerciseError",
    "answer_code",
    "check_function",
    "reveal",
]

STUB_TAG, CHECK_TAG, ANSWER_TAG = "exercise:", "exercise-check:", "exercise-answer:"
PASSED, FAILED = "✅", "❌"  # the first character of check_function's verdict line
_DETAILS = re.compile(r"<details>(.*?)</details>", re.S | re.I)
_PYTHON_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


class ExerciseError(SaliencyCourseError, ValueError):
    """An exercise or its worked answer cannot be found or is malformed."""


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one test case: did it match, and what was expected and returned."""

    index: int
    passed: bool
    expected: object
    got: object
    message: str
    label: str = ""


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array{value.shape}" if value.size > 6 else np.array2string(value, precision=4)
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)[:80]


def _split_case(case) -> tuple[tuple, dict]:
    if isinstance(case, Mapping):
        return (), dict(case)
    if isinstance(case, tuple):
        return case, {}
    return (case,), {}


def _compare(expected, got, rtol: float, atol: float) -> str | None:
    """``None`` when ``got`` matches ``expected``, else why not.

    Tuples, lists and dicts are compared element by element; anything numpy
    can read as numbers with ``numpy.allclose`` (NaN equals NaN); the rest
    with ``==``.
    """
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping) or set(got) != set(expected):
            return f"expected a dict with keys {sorted(expected)}, got {_describe(got)}"
        for key in expected:
            problem = _compare(expected[key], got[key], rtol, atol)
            if problem:
                return f"[{key!r}]: {problem}"
        return None
    if isinstance(expected, (tuple, list)) and not _is_numeric(expected):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected {len(expected)} values, got {_describe(got)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            problem = _compare(e, g, rtol, atol)
            if problem:
                return f"value {i}: {problem}"
        return None
    try:
        e = np.asarray(expected, dtype=np.float64)
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None if expected == got else f"expected {_describe(expected)}, got {_describe(got)}"
    if e.shape != g.shape:
        return f"expected shape {e.shape}, got shape {g.shape}"
    if np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True):
        return None
    worst = np.nanmax(np.abs(g - e)) if e.size else 0.0
    return f"expected {_describe(expected)}, got {_describe(got)} (largest difference {worst:.3g})"


def _is_numeric(values) -> bool:
    """True for a flat or regular nested sequence of numbers (an array in disguise)."""
    try:
        return np.asarray(values).dtype.kind in "biuf"
    except ValueError:  # ragged
        return False


def check_function(
    student: Callable,
    reference: Callable,
    cases: Iterable | Mapping,
    name: str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    hint: str | None = None,
    verbose: bool = True,
) -> bool:
    """Run ``student`` and ``reference`` on each case and print a friendly verdict.

    A case is a tuple of positional arguments, a dict of keyword arguments,
    or a single argument; ``cases`` is a list of them, or a dict from a label
    (``"OSIE image 7"``) to a case, so that a failure names its input.
    Numbers and arrays are compared with ``numpy.allclose(rtol, atol)`` (NaN
    equals NaN), tuples, lists and dicts element by element. An exception in
    the student's function is reported with the case, not raised; ``hint`` is
    printed under any failure. The verdict line starts with :data:`PASSED` or
    :data:`FAILED`. Returns True when every case matches.
    """
    labelled = list(cases.items()) if isinstance(cases, Mapping) else [("", c) for c in cases]
    if not labelled:
        raise ValueError("cases must hold at least one test case, got none")
    if not callable(student) or not callable(reference):
        raise ValueError("student and reference must be callables")
    if not (rtol >= 0 and atol >= 0):
        raise ValueError(f"rtol and atol must be >= 0, got rtol={rtol!r}, atol={atol!r}")
    name = name or getattr(reference, "__name__", "the reference")
    results: list[CaseResult] = []
    for index, (label, case) in enumerate(labelled):
        args, kwargs = _split_case(case)
        expected = reference(*args, **kwargs)
        try:
            got = student(*args, **kwargs)
        except NotImplementedError:
            got, message = None, "not implemented yet (remove the `raise NotImplementedError`)"
        except Exception as error:  # noqa: BLE001 - shown to the student, not hidden
            got, message = None, f"raised {type(error).__name__}: {error}"
        else:
            message = _compare(expected, got, rtol, atol)
        results.append(
            CaseResult(index, message is None, expected, got, message or "ok", str(label))
        )
    passed = sum(r.passed for r in results)
    if verbose:
        _report(name, results, passed, hint)
    return passed == len(results)


def _report(name: str, results: Sequence[CaseResult], passed: int, hint: str | None) -> None:
    if passed == len(results):
        print(f"{PASSED} Well done: all {len(results)} cases agree with {name}.")
        return
    print(f"{FAILED} {passed} of {len(results)} cases agree with {name}.")
    for result in results:
        if not result.passed:
            label = f" ({result.label})" if result.label else ""
            print(f"   case {result.index}{label}: {result.message}")
    if hint:
        print(f"   hint: {hint}")


def _tags(cell: Mapping) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _text(cell: Mapping) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def answer_code(nb: Mapping, name: str) -> str:
    """The worked answer of exercise ``name``: the ``python`` block folded in its answer cell.

    ``nb`` is a notebook as a dict (``json.load``) or an ``nbformat`` node.
    """
    tag = ANSWER_TAG + name
    cells = [c for c in nb.get("cells", []) if tag in _tags(c)]
    if len(cells) != 1:
        raise ExerciseError(
            f"expected one markdown cell tagged {tag!r} holding the worked answer, "
            f"found {len(cells)}"
        )
    details = _DETAILS.findall(_text(cells[0]))
    blocks = [b for d in details for b in _PYTHON_BLOCK.findall(d)]
    if not details or len(blocks) != 1:
        raise ExerciseError(
            f"the cell tagged {tag!r} must fold exactly one ```python block inside "
            f"<details>...</details>; found {len(details)} <details> and {len(blocks)} blocks"
        )
    return blocks[0]


def reveal(name: str, notebook: str | os.PathLike | None = None) -> str:
    """Show the worked answer of exercise ``name`` and return its code.

    The answer is read from the notebook itself (its cell tagged
    ``exercise-answer:<name>``): ``notebook`` when given, else the notebook
    this kernel runs (JupyterLab and Notebook 7 name it in
    ``JPY_SESSION_NAME``; Colab hands it to the kernel on request), else the
    one notebook in the working folder that has this exercise.
    """
    nb = _load_notebook(name, notebook)
    code = answer_code(nb, name)
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:  # in a notebook
        display(Markdown(f"**Worked answer of `{name}`**\n\n```python\n{code}```"))
    else:
        print(code)
    return code


def _load_notebook(name: str, notebook) -> dict:
    if notebook is not None:
        return json.loads(Path(notebook).read_text(encoding="utf-8"))
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        for path in (Path(session), Path.cwd() / Path(session).name):
            if path.suffix == ".ipynb" and path.is_file():
                return json.loads(path.read_text(encoding="utf-8"))
    colab = _colab_notebook()
    if colab is not None:
        return colab
    tag = ANSWER_TAG + name
    found = []
    for path in sorted(Path.cwd().glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        if any(tag in _tags(c) for c in nb.get("cells", [])):
            found.append((path, nb))
    if len(found) != 1:
        where = ", ".join(p.name for p, _ in found) or "none"
        raise ExerciseError(
            f"cannot tell which notebook holds exercise {name!r} (notebooks in {Path.cwd()} "
            f"with it: {where}); pass notebook='NN_name.ipynb', or open the folded "
            "'Answer' below the exercise"
        )
    return found[0][1]


def _colab_notebook() -> dict | None:
    """The running notebook as Colab's front end sends it, or None outside Colab."""
    import sys

    if "google.colab" not in sys.modules:
        return None
    from google.colab import _message  # Colab's kernel-to-front-end channel

    reply = _message.blocking_request("get_ipynb", request="", timeout_sec=10)
    return reply.get("ipynb") if isinstance(reply, Mapping) else None
