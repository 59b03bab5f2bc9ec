"""MATLAB-exact imresize against values worked out by hand.

Keys' cubic kernel (a = -0.5) at the distances that occur below, worked out
from its polynomial ``1.5|x|^3 - 2.5|x|^2 + 1`` (|x| <= 1) and
``-0.5|x|^3 + 2.5|x|^2 - 4|x| + 2`` (1 < |x| <= 2):

    c(0.25) =  0.8671875    c(0.75) =  0.2265625
    c(1.25) = -0.0703125    c(1.75) = -0.0234375
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from saliency_course.resize import imresize

C025, C075, C125, C175 = 0.8671875, 0.2265625, -0.0703125, -0.0234375


def test_kernel_values_sum_to_one():
    assert C025 + C075 + C125 + C175 == 1.0


def test_upscale_by_two_mirrors_at_the_border():
    # scale 2, output x=1 reads u = 1/2 + 0.5 (1 - 1/2) = 0.75 (1-based); taps at input
    # indices -1, 0, 1, 2 with distances 1.75, 0.75, -0.25, -1.25. Mirroring of
    # [1, 2, 2, 1, ...] maps index -1 -> 2 and 0 -> 1, so
    # out1 = c(.75) a + c(.25) a + c(1.75) b + c(1.25) b.
    a, b = 0.0, 1.0
    out1 = (C075 + C025) * a + (C175 + C125) * b
    out2 = (C125 + C025) * a + (C075 + C175) * b  # u = 1.25: taps 0..3 -> a, a, b, b
    expected = [out1, out2, 1 - out2, 1 - out1]  # symmetry of a 0 -> 1 ramp
    got = imresize(np.array([[a, b]]), (1, 4))
    np.testing.assert_allclose(got, [expected], atol=1e-15)
    assert got.min() == pytest.approx(-0.09375)  # bicubic overshoots, not clipped


def test_antialiased_halving():
    # scale 1/2: kernel 0.5 c(x/2), support 8. Output 1 reads u = 2 - 0.5 = 1.5, taps at
    # input -2..5 with distances 3.5 .. -3.5 -> 0.5 * [c(1.75), c(1.25), c(.75), c(.25),
    # c(.25), c(.75), c(1.25), c(1.75)] (sum 1). Mirroring of length 4: -2 -> 3, -1 -> 2,
    # 0 -> 1, 5 -> 4.
    v = np.array([1.0, 0.0, 0.0, 0.0])
    w = 0.5 * np.array([C175, C125, C075, C025, C025, C075, C125, C175])
    sources = np.array([3, 2, 1, 1, 2, 3, 4, 4]) - 1
    out1 = float(np.dot(w, v[sources]))
    assert out1 == pytest.approx(0.546875)
    # output 2 (u = 3.5) reads 0..7 -> [1, 1, 2, 3, 4, 4, 3, 2]; only v1 is nonzero
    w2_on_v1 = 0.5 * (C175 + C125)
    got = imresize(v[None, :], (1, 2))
    np.testing.assert_allclose(got, [[out1, w2_on_v1]], atol=1e-15)


def _cubic(x: Fraction) -> Fraction:
    x = abs(x)
    if x <= 1:
        return Fraction(3, 2) * x**3 - Fraction(5, 2) * x**2 + 1
    if x <= 2:
        return -Fraction(1, 2) * x**3 + Fraction(5, 2) * x**2 - 4 * x + 2
    return Fraction(0)


def test_non_integer_factor_exact_fractions():
    # 2 -> 3 (scale 3/2): u = x * 2/3 + 1/6. Output 1: u = 5/6, taps at -1, 0, 1, 2 with
    # distances 11/6, 5/6, -1/6, -7/6; -1 -> 2 and 0 -> 1 by mirroring.
    w_a = _cubic(Fraction(5, 6)) + _cubic(Fraction(1, 6))
    w_b = _cubic(Fraction(11, 6)) + _cubic(Fraction(7, 6))
    out1 = float(w_b / (w_a + w_b))  # a = 0, b = 1
    got = imresize(np.array([[0.0, 1.0]]), (1, 3))
    np.testing.assert_allclose(got, [[out1, 0.5, 1 - out1]], atol=1e-15)


def test_two_dimensions_are_separable_and_shape_is_per_dimension():
    rows = np.array([0.0, 1.0])
    cols = np.array([1.0, 0.0, 0.0, 0.0])
    got = imresize(np.outer(rows, cols), (4, 2))
    expected_rows = imresize(rows[None, :], (1, 4))[0]
    expected_cols = imresize(cols[None, :], (1, 2))[0]
    np.testing.assert_allclose(got, np.outer(expected_rows, expected_cols), atol=1e-15)


def test_scalar_scale_uses_ceil_and_keeps_constants():
    got = imresize(np.full((33, 65), 2.5), 1 / 32)
    assert got.shape == (2, 3)  # ceil(33/32), ceil(65/32)
    np.testing.assert_allclose(got, 2.5, rtol=1e-14)


def test_identity_same_size_and_float64():
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    got = imresize(a, (3, 4))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, a)
    got[0, 0] = 99
    assert a[0, 0] == 0  # a copy


def test_channels_are_resized_independently():
    rng = np.random.default_rng(0)
    stack = rng.random((5, 7, 3))
    got = imresize(stack, (3, 11))
    for c in range(3):
        np.testing.assert_allclose(got[..., c], imresize(stack[..., c], (3, 11)), atol=1e-14)


@pytest.mark.parametrize(
    ("array", "target", "word"),
    [
        (np.zeros(4), (2, 2), "array"),
        (np.zeros((0, 3)), (2, 2), "array"),
        (np.zeros((2, 2)), (2, 2, 2), "output_shape_or_scale"),
        (np.zeros((2, 2)), (2, 0), "output_shape_or_scale"),
        (np.zeros((2, 2)), -0.5, "output_shape_or_scale"),
        (np.zeros((2, 2)), (2.5, 2), "output_shape_or_scale"),
        (np.zeros((2, 2)), (100_000, 100_000), "output_shape_or_scale would need 149 GiB"),
        (np.zeros((2, 2)), 1e6, "output_shape_or_scale would need"),
        (np.zeros((8, 8)), 1e-12, "resize weights would need"),
    ],
)
def test_bad_input_names_the_argument(array, target, word):
    with pytest.raises(ValueError, match=word):
        imresize(array, target)


def test_bilinear_matches_printed_matlab_output():
    # MATLAB's own output, as printed in a widely cited Q&A on cv2.resize vs imresize:
    # imresize([1,2;3,4],[4,4],'bilinear') and imresize(that,[2,2],'bilinear') (antialiased).
    # The same coordinate mapping, antialiasing and border handling serve the bicubic default.
    up = imresize(np.array([[1.0, 2.0], [3.0, 4.0]]), (4, 4), method="bilinear")
    np.testing.assert_allclose(
        up,
        [[1, 1.25, 1.75, 2], [1.5, 1.75, 2.25, 2.5], [2.5, 2.75, 3.25, 3.5], [3, 3.25, 3.75, 4]],
        atol=1e-12,
    )
    down = imresize(up, (2, 2), method="bilinear")
    np.testing.assert_allclose(down, [[1.5625, 2.1875], [2.8125, 3.4375]], atol=1e-12)
    with pytest.raises(ValueError, match="method"):
        imresize(up, (2, 2), method="lanczos3")
