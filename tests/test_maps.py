"""Fixation maps, density maps, normalisation and the cross-validated centre bias."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saliency_course import maps
from saliency_course.fixations import Fixations


def test_fixation_map_rounds_to_nearest_pixel_centre_and_drops_outside():
    xy = np.array(
        [
            [0.49, 0.0],  # pixel (0, 0)
            [-0.5, 0.2],  # pixel (0, 0): the left edge belongs to pixel 0
            [-0.51, 3.0],  # outside
            [4.49, 2.5],  # row floor(3.0) = 3, col 4
            [5.0, 1.0],  # outside (W = 5 covers x < 4.5)
        ]
    )
    counts = maps.fixation_map(xy, (4, 5), counts=True)
    expected = np.zeros((4, 5))
    expected[0, 0] = 2
    expected[3, 4] = 1
    np.testing.assert_array_equal(counts, expected)
    np.testing.assert_array_equal(maps.fixation_map(xy, (4, 5)), (expected > 0).astype(float))
    assert counts.dtype == np.float64


def test_fixation_map_accepts_fixations_and_empty_input():
    f = Fixations(x=[1.0, 1.2], y=[2.0, 2.1], n=[0, 0], subject=[0, 1])
    assert maps.fixation_map(f, (3, 3), counts=True)[2, 1] == 2
    assert maps.fixation_map(Fixations.empty(), (3, 3)).sum() == 0


@pytest.mark.parametrize(
    "fixations, shape, message",
    [
        (np.zeros((3, 3)), (4, 4), "shape \\(k, 2\\)"),
        (np.array([[np.nan, 1.0]]), (4, 4), "NaN"),
        (np.zeros((1, 2)), (4,), "height, width"),
        (np.zeros((1, 2)), (0, 4), "positive"),
        (np.zeros((1, 2)), (2.5, 4), "positive integers"),
    ],
)
def test_fixation_map_rejects_malformed_input(fixations, shape, message):
    with pytest.raises(ValueError, match=message):
        maps.fixation_map(fixations, shape)


def test_density_map_of_one_fixation_is_the_sampled_gaussian():
    sigma = 3.0
    density = maps.density_map(np.array([[20.0, 15.0]]), (31, 41), sigma_px=sigma)
    # worked out independently: scipy samples exp(-i^2 / 2 sigma^2) for |i| <= 4 sigma
    radius = int(4 * sigma + 0.5)
    i = np.arange(-radius, radius + 1)
    k = np.exp(-(i**2) / (2 * sigma**2))
    expected = np.zeros((31, 41))
    expected[15 - radius : 15 + radius + 1, 20 - radius : 20 + radius + 1] = np.outer(k, k)
    np.testing.assert_allclose(density, expected / expected.sum(), rtol=1e-12, atol=1e-15)
    rows, cols = np.mgrid[:31, :41]
    assert np.sum(density * (cols - 20) ** 2) == pytest.approx(sigma**2, rel=0.01)


def test_density_map_sums_to_one_peaks_at_fixations_and_uses_degrees():
    xy = np.array([[10.0, 8.0], [10.0, 8.0], [40.0, 30.0], [0.0, 0.0], [100.0, 100.0]])
    density = maps.density_map(xy, (40, 60), sigma_deg=0.5, ppd=6.0)
    assert density.dtype == np.float64
    assert density.sum() == pytest.approx(1.0, abs=1e-12)
    assert density.min() >= 0
    assert np.unravel_index(density.argmax(), density.shape) == (8, 10)  # two fixations there
    np.testing.assert_array_equal(density, maps.density_map(xy, (40, 60), sigma_px=3.0))
    wider = maps.density_map(xy, (40, 60), sigma_deg=1.0, ppd=6.0)
    assert wider.max() < density.max()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "sigma_px, or sigma_deg together with ppd"),
        ({"sigma_deg": 1.0}, "ppd"),
        ({"sigma_px": 2.0, "sigma_deg": 1.0, "ppd": 3.0}, "not both"),
        ({"sigma_px": -1.0}, "sigma_px must be a positive"),
        ({"sigma_deg": 1.0, "ppd": 0.0}, "ppd must be a positive"),
    ],
)
def test_density_map_rejects_bad_sigma(kwargs, message):
    with pytest.raises(ValueError, match=message):
        maps.density_map(np.array([[1.0, 1.0]]), (5, 5), **kwargs)


def test_density_map_of_a_huge_sigma_is_flat_without_a_huge_kernel():
    # scipy would build a kernel of 2 * 4e12 taps; the product over the one fixated
    # row and column needs only the image's own offsets. The limit is the uniform map.
    density = maps.density_map(np.array([[3.0, 2.0]]), (40, 50), sigma_px=1e12)
    np.testing.assert_allclose(density, 1 / 2000, rtol=1e-12)


def test_density_map_paths_agree_with_scipy():
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(4)
    xy = np.column_stack([rng.uniform(0, 79, 400), rng.uniform(0, 59, 400)])
    counts = maps.fixation_map(xy, (60, 80), counts=True)
    for sigma in (0.7, 3.0, 25.0, 400.0):  # scipy's loop for small sigmas, products for large
        expected = gaussian_filter(counts, sigma, mode="constant")
        got = maps.density_map(xy, (60, 80), sigma_px=sigma)
        np.testing.assert_allclose(got, expected / expected.sum(), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: maps.density_map(np.array([[1.0, 1.0]]), (10**5, 10**5), sigma_px=3.0), "shape"),
        (lambda: maps.fixation_map(np.zeros((0, 2)), (200_000, 50_000)), "shape"),
        (lambda: maps.fit_center_bias(_two_blobs(), (30, 40), grid=100_000), "grid"),
        (lambda: maps.fit_center_bias(_two_blobs(), (30, 40), grid=1.5), "grid"),
        (lambda: maps.fit_center_bias(_two_blobs(), (30, 40), bandwidths=(np.inf,)), "bandwidths"),
    ],
)
def test_sizes_that_need_gigabytes_raise_before_allocating(call, word):
    with pytest.raises(ValueError, match=word):
        call()
    model = maps.fit_center_bias(_two_blobs(), (30, 40), bandwidths=(0.1,), epsilons=(0.0,))
    with pytest.raises(ValueError, match="out_shape would need"):
        model.density((60_000, 60_000))


def _two_blobs() -> Fixations:
    rng = np.random.default_rng(0)
    return Fixations(
        x=rng.normal(20, 3, 40), y=rng.normal(15, 3, 40), n=np.arange(40) % 4, subject=np.zeros(40)
    )


def test_density_map_without_fixations_inside_raises():
    with pytest.raises(ValueError, match="at least one fixation inside"):
        maps.density_map(Fixations.empty(), (5, 5), sigma_px=1.0)
    with pytest.raises(ValueError, match="none inside"):
        maps.density_map(np.array([[10.0, 10.0]]), (5, 5), sigma_px=1.0)


def test_normalize_methods():
    m = np.array([[1.0, 3.0], [5.0, 7.0]])
    np.testing.assert_allclose(maps.normalize(m), [[0, 1 / 3], [2 / 3, 1]])
    np.testing.assert_allclose(maps.normalize(m, "sum"), m / 16)
    z = maps.normalize(m, "std")
    assert z.mean() == pytest.approx(0) and z.std() == pytest.approx(1)
    np.testing.assert_allclose(z, (m - 4) / np.sqrt(5))


@pytest.mark.parametrize(
    "m, method, message",
    [
        (np.ones((2, 2)), "range", "constant"),
        (np.ones((2, 2)), "std", "constant"),
        (np.zeros((2, 2)), "sum", "sums to 0"),
        (-np.ones((2, 2)), "sum", "non-negative"),
        (np.ones(4), "range", "2-D"),
        (np.array([[np.nan, 1.0]]), "range", "NaN"),
        (np.eye(2), "max", "method must be"),
    ],
)
def test_normalize_rejects(m, method, message):
    with pytest.raises(ValueError, match=message):
        maps.normalize(m, method)


def test_center_bias_bandwidth_matches_the_rule_of_thumb_on_known_gaussian():
    rng = np.random.default_rng(0)
    count, spread = 4000, 0.1
    u = np.clip(rng.normal(0.5, spread, size=(count, 2)), 0.0, 0.999)
    f = Fixations(
        x=u[:, 0] * 200 - 0.5,
        y=u[:, 1] * 100 - 0.5,
        n=np.arange(count) % 50,
        subject=np.zeros(count),
    )
    model = maps.fit_center_bias(f, (100, 200), epsilons=(0.0,))
    silverman = spread * count ** (-1 / 6)  # 2-D normal reference rule, 0.025
    assert silverman / 2 < model.bandwidth < silverman * 2
    # the true density's expected log-likelihood over uniform is -entropy = ln(1 / (2 pi e s^2))
    assert model.scores.max() == pytest.approx(-np.log(2 * np.pi * np.e * spread**2), abs=0.05)


def test_center_bias_on_osie(data_dir):
    from saliency_course.data import load_dataset

    osie = load_dataset("osie", root=data_dir, download=False, mouse=False)
    model = maps.fit_center_bias(osie.fixations, osie.image_shape(0), seed=0)
    # measured: bandwidth 0.0398 of the image size, 0.39 nats per fixation over uniform
    assert model.bandwidths[0] < model.bandwidth < model.bandwidths[-1]
    assert 0.02 < model.bandwidth < 0.08
    assert 0.3 < model.scores.max() < 0.5
    density = maps.center_bias(
        osie.fixations, osie.image_shape(0), (60, 80), bandwidth=model.bandwidth, eps=model.eps
    )
    assert density.shape == (60, 80) and density.sum() == pytest.approx(1.0)
    row, col = np.unravel_index(density.argmax(), density.shape)
    assert abs(row - 30) < 8 and abs(col - 40) < 8
    np.testing.assert_allclose(density, model.density((60, 80)))


@pytest.mark.parametrize(
    "shapes, message",
    [((10,), "one \\(H, W\\)"), ([(10, 10)], "refer to image 1"), ((10, -1), "positive")],
)
def test_center_bias_rejects_bad_shapes(shapes, message):
    f = Fixations(x=[1.0, 2.0], y=[1.0, 2.0], n=[0, 1], subject=[0, 0])
    with pytest.raises(ValueError, match=message):
        maps.center_bias(f, shapes, (5, 5), bandwidth=0.1, eps=0.0)


def test_center_bias_rejects_empty_and_outside_fixations():
    with pytest.raises(ValueError, match="empty"):
        maps.center_bias(Fixations.empty(), (10, 10), (5, 5))
    outside = Fixations(x=[50.0], y=[50.0], n=[0], subject=[0])
    with pytest.raises(ValueError, match="no fixation lies inside"):
        maps.center_bias(outside, (10, 10), (5, 5), bandwidth=0.1, eps=0.0)


def test_imresize_is_reexported():
    from saliency_course.resize import imresize

    assert maps.imresize is imresize


@settings(max_examples=40, deadline=None)
@given(
    height=st.integers(1, 30),
    width=st.integers(1, 30),
    points=st.lists(st.tuples(st.floats(-3, 33), st.floats(-3, 33)), min_size=1, max_size=20),
)
def test_maps_agree_with_fixations_inside(height, width, points):
    xy = np.array(points)
    f = Fixations(x=xy[:, 0], y=xy[:, 1], n=np.zeros(len(xy)), subject=np.zeros(len(xy)))
    inside = f.inside((height, width))
    counts = maps.fixation_map(f, (height, width), counts=True)
    assert counts.sum() == inside.sum()
    if inside.any():
        density = maps.density_map(f, (height, width), sigma_px=1.5)
        assert density.sum() == pytest.approx(1.0) and density.min() >= 0
