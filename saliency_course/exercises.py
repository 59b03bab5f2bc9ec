"""Checking helpers for the notebooks' exercises: compare a student's function with the package's.

>>> import numpy as np
>>> ok = check_function(np.sum, np.sum, [(np.ones(3),)], name="sum", verbose=False)
>>> ok
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CaseResult", "check_function"]


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one test case: did it match, and what was expected and returned."""

    index: int
    passed: bool
    expected: object
    got: object
    message: str


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
    """``None`` when ``got`` matches ``expected``, else why not."""
    try:
        e = np.asarray(expected, dtype=np.float64)
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None if expected == got else f"expected {_describe(expected)}, got {_describe(got)}"
    if e.shape != g.shape:
        return f"expected shape {e.shape}, got shape {g.shape}"
    if np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True):
        return None
    return f"expected {_describe(expected)}, got {_describe(got)}"


def check_function(
    student: Callable,
    reference: Callable,
    cases: Iterable,
    name: str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    hint: str | None = None,
    verbose: bool = True,
) -> bool:
    """Run ``student`` and ``reference`` on each case and print a friendly verdict.

    A case is a tuple of positional arguments, a dict of keyword arguments,
    or a single argument. Numbers and arrays are compared with
    ``numpy.allclose(rtol, atol)`` (NaN equals NaN). An exception in the
    student's function is reported with the case, not raised. Returns True
    when every case matches.
    """
    cases = list(cases)
    if not cases:
        raise ValueError("cases must hold at least one test case, got none")
    if not callable(student) or not callable(reference):
        raise ValueError("student and reference must be callables")
    name = name or getattr(reference, "__name__", "the reference")
    results: list[CaseResult] = []
    for index, case in enumerate(cases):
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
        results.append(CaseResult(index, message is None, expected, got, message or "ok"))
    passed = sum(r.passed for r in results)
    if verbose:
        _report(name, results, passed, hint)
    return passed == len(results)


def _report(name: str, results: Sequence[CaseResult], passed: int, hint: str | None) -> None:
    if passed == len(results):
        print(f"✅ Well done: all {len(results)} cases agree with {name}.")
        return
    print(f"❌ {passed} of {len(results)} cases agree with {name}.")
    for result in results:
        if not result.passed:
            print(f"   case {result.index}: {result.message}")
    if hint:
        print(f"   hint: {hint}")
