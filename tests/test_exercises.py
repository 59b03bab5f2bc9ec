"""The exercise checker reports matches, mismatches and errors; reveal() finds worked answers."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pytest

from saliency_course.exercises import (
    FAILED,
    PASSED,
    ExerciseError,
    answer_code,
    check_function,
    reveal,
)
from saliency_course.metrics import nss

CASES = [
    (np.arange(12.0).reshape(3, 4), np.eye(3, 4)),
    {"saliency_map": np.arange(6.0).reshape(2, 3) ** 2, "fixation_map": np.eye(2, 3)},
]


def good_nss(saliency_map, fixation_map):
    z = (saliency_map - saliency_map.mean()) / saliency_map.std(ddof=1)
    return z[fixation_map > 0].mean()


def test_a_correct_answer_passes(capsys):
    assert check_function(good_nss, nss, CASES, name="NSS")
    assert "all 2 cases agree with NSS" in capsys.readouterr().out


def test_a_wrong_answer_fails_and_says_why(capsys):
    def biased(saliency_map, fixation_map):  # N instead of N - 1
        z = (saliency_map - saliency_map.mean()) / saliency_map.std()
        return z[fixation_map > 0].mean()

    assert not check_function(biased, nss, CASES, hint="MATLAB's std divides by N - 1")
    out = capsys.readouterr().out
    assert "0 of 2 cases" in out and "expected" in out and "N - 1" in out


def test_errors_and_unfinished_work_are_reported_not_raised(capsys):
    def unfinished(saliency_map, fixation_map):
        raise NotImplementedError

    def broken(saliency_map, fixation_map):
        return saliency_map[fixation_map]  # float index

    assert not check_function(unfinished, nss, CASES[:1])
    assert "not implemented yet" in capsys.readouterr().out
    assert not check_function(broken, nss, CASES[:1])
    assert "raised IndexError" in capsys.readouterr().out


def test_shapes_and_nan_are_compared():
    assert not check_function(lambda a: np.zeros(2), lambda a: np.zeros(3), [1], verbose=False)
    assert check_function(lambda a: np.nan, lambda a: float("nan"), [1], verbose=False)
    with pytest.raises(ValueError, match="cases"):
        check_function(good_nss, nss, [])


def test_labelled_cases_name_the_failing_input(capsys):
    cases = {"OSIE-like map": CASES[0], "tiny map": CASES[1]}
    assert not check_function(lambda saliency_map, fixation_map: 0.0, nss, cases)
    out = capsys.readouterr().out
    assert "case 0 (OSIE-like map)" in out and "case 1 (tiny map)" in out
    assert out.startswith(FAILED)


def test_tuples_and_dicts_are_compared_element_by_element(capsys):
    def reference(a):
        return a.sum(), np.cumsum(a)  # a number and an array: a ragged pair

    assert check_function(lambda a: (a.sum(), np.cumsum(a)), reference, [np.arange(4.0)])
    assert capsys.readouterr().out.startswith(PASSED)
    assert not check_function(lambda a: (a.sum(), a), reference, [np.arange(4.0)])
    assert "value 1: expected" in capsys.readouterr().out
    assert not check_function(lambda a: {"n": 1}, lambda a: {"n": 1, "m": 2}, [0], verbose=False)
    assert check_function(lambda a: {"n": 1.0}, lambda a: {"n": 1}, [0], verbose=False)


def test_tolerances_decide(capsys):
    nearly = lambda a: a * (1 + 1e-4)  # noqa: E731
    assert not check_function(nearly, lambda a: a, [np.ones(3)], verbose=False)
    assert check_function(nearly, lambda a: a, [np.ones(3)], rtol=1e-3, verbose=False)
    with pytest.raises(ValueError, match="rtol"):
        check_function(nearly, lambda a: a, [np.ones(3)], rtol=-1)


def _exercise_notebook(answer_markdown: str) -> dict:
    return {
        "cells": [
            {"cell_type": "code", "metadata": {"tags": ["exercise:my_mean"]}, "source": "..."},
            {
                "cell_type": "markdown",
                "metadata": {"tags": ["exercise-answer:my_mean"]},
                "source": answer_markdown,
            },
        ]
    }


GOOD_ANSWER = (
    "Think about it first.\n\n<details><summary>Answer</summary>\n\n```python\n"
    "def my_mean(a):\n    return sum(a) / len(a)\n```\nBecause...\n</details>\n"
)


def test_answer_code_reads_the_folded_python_block():
    assert answer_code(_exercise_notebook(GOOD_ANSWER), "my_mean") == (
        "def my_mean(a):\n    return sum(a) / len(a)\n"
    )
    with pytest.raises(ExerciseError, match="exercise-answer:other"):
        answer_code(_exercise_notebook(GOOD_ANSWER), "other")
    unfolded = "```python\ndef my_mean(a):\n    return 0\n```\n"
    with pytest.raises(ExerciseError, match="inside <details>"):
        answer_code(_exercise_notebook(unfolded), "my_mean")
    two = GOOD_ANSWER.replace("</details>", "```python\nx = 1\n```\n</details>")
    with pytest.raises(ExerciseError, match="2 blocks"):
        answer_code(_exercise_notebook(two), "my_mean")


def test_reveal_finds_the_notebook_it_runs_in(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "04_metrics.ipynb"
    path.write_text(json.dumps(_exercise_notebook(GOOD_ANSWER)))
    (tmp_path / "other.ipynb").write_text(json.dumps({"cells": []}))
    expected = answer_code(_exercise_notebook(GOOD_ANSWER), "my_mean")

    assert reveal("my_mean") == expected  # the one notebook in the folder with this exercise
    assert reveal("my_mean", notebook=path) == expected
    (tmp_path / "copy.ipynb").write_text(path.read_text())
    with pytest.raises(ExerciseError, match="04_metrics.ipynb, copy.ipynb"):
        reveal("my_mean")
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # what JupyterLab tells the kernel
    assert reveal("my_mean") == expected
    assert "def my_mean" in capsys.readouterr().out  # plain text display outside a notebook


def test_reveal_asks_colab_for_the_notebook(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)  # no notebook on disk, as on Colab
    requests = []

    def blocking_request(kind, request="", timeout_sec=None):
        requests.append(kind)
        return {"ipynb": _exercise_notebook(GOOD_ANSWER)}

    colab = types.ModuleType("google.colab")
    colab._message = types.SimpleNamespace(blocking_request=blocking_request)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    assert reveal("my_mean").startswith("def my_mean")
    assert requests == ["get_ipynb"]
