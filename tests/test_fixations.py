"""The Fixations structure of arrays."""

from __future__ import annotations

import numpy as np
import pytest

from saliency_course.fixations import Fixations


@pytest.fixture
def fix() -> Fixations:
    return Fixations(
        x=[1.0, 2.0, 3.0, 4.0, 5.0],
        y=[0.0, 1.0, 2.0, 3.0, 4.0],
        n=[0, 0, 1, 1, 2],
        subject=[0, 1, 0, 0, 1],
        t=[0, 300, 0, 250, 0],
        duration=[200, 210, 220, 230, 240],
    )


def test_selection_returns_fixations(fix):
    on1 = fix.for_image(1)
    assert isinstance(on1, Fixations) and len(on1) == 2
    np.testing.assert_array_equal(on1.x, [3.0, 4.0])
    np.testing.assert_array_equal(on1.duration, [220, 230])
    assert len(fix.for_subject(1)) == 2
    assert len(fix.for_image([0, 2])) == 3
    assert list(fix.images) == [0, 1, 2] and list(fix.subjects) == [0, 1]


def test_per_image_and_scanpaths(fix):
    per = fix.per_image(n_images=4)
    assert [len(p) for p in per] == [2, 2, 1, 0]
    np.testing.assert_array_equal(per[2], [[5.0, 4.0]])
    trials = fix.scanpaths()
    assert [(n, s, len(f)) for n, s, f in trials] == [(0, 0, 1), (0, 1, 1), (1, 0, 2), (2, 1, 1)]


def test_concatenate_keeps_optional_fields_only_when_all_have_them(fix):
    both = Fixations.concatenate([fix, fix])
    assert len(both) == 10 and both.t is not None
    plain = Fixations(x=[0.0], y=[0.0], n=[3], subject=[0])
    mixed = Fixations.concatenate([fix, plain])
    assert len(mixed) == 6 and mixed.t is None and mixed.duration is None
    assert len(Fixations.concatenate([])) == 0


def test_inside_uses_pixel_extent():
    f = Fixations(x=[-0.5, -0.6, 9.49, 9.5], y=[0, 0, 0, 0], n=[0] * 4, subject=[0] * 4)
    np.testing.assert_array_equal(f.inside((5, 10)), [True, False, True, False])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(x=[1.0, np.nan], y=[1.0, 2.0], n=[0, 0], subject=[0, 0]), "NaN"),
        (dict(x=[1.0, 2.0], y=[1.0], n=[0, 0], subject=[0, 0]), "y has 1 entries"),
        (dict(x=[[1.0]], y=[1.0], n=[0], subject=[0]), "must be 1-D"),
        (dict(x=[1.0], y=[1.0], n=[-1], subject=[0]), "image index"),
    ],
)
def test_malformed_fixations_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Fixations(**kwargs)
