"""The exercise checker reports matches, mismatches and errors of a student's function."""

from __future__ import annotations

import numpy as np
import pytest

from saliency_course.exercises import check_function
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
