"""Change-blindness stimuli: the change lies where it was asked, nothing else moves."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
from PIL import Image

from saliency_course.stimuli import KINDS, center_prior, make_change, saliency_for


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return skimage.data.astronaut()[::2, ::2].copy()  # 256 x 256, keeps the tests fast


@pytest.fixture(scope="module")
def osie_image(data_dir) -> np.ndarray:
    path = data_dir / "osie" / "data" / "stimuli" / "1001.jpg"
    return np.asarray(Image.open(path).convert("RGB"))[::2, ::2].copy()


def _check_change(stim, image):
    assert stim.changed.dtype == np.uint8 and stim.changed.shape == image.shape
    assert np.array_equal(stim.original, image)
    outside = ~stim.mask
    assert np.array_equal(stim.changed[outside], image[outside]), "pixels outside the mask moved"
    inside = np.abs(stim.changed.astype(int) - image.astype(int))[stim.mask]
    assert inside.mean() > 10, "the change is too faint to ever be seen"
    assert 0 < stim.area_fraction < 0.12


@pytest.mark.parametrize("kind", KINDS)
def test_change_only_inside_mask_on_sample_image(astronaut, kind):
    stim = make_change(astronaut, kind=kind, placement="high", seed=3)
    _check_change(stim, astronaut)
    assert stim.kind == kind


@pytest.mark.parametrize("kind", ["remove", "move"])
def test_change_on_real_osie_image(osie_image, kind):
    stim = make_change(osie_image, kind=kind, placement="low", seed=0)
    _check_change(stim, osie_image)


def test_high_and_low_placement_follow_the_saliency_map(astronaut):
    height, width = astronaut.shape[:2]
    # A saliency map that is high on the left half only: "high" changes go left, "low" right.
    left = np.zeros((height, width))
    left[:, : width // 2] = 1.0
    for seed in range(3):
        high = make_change(astronaut, "recolor", "high", saliency=left, seed=seed)
        low = make_change(astronaut, "recolor", "low", saliency=left, seed=seed)
        assert high.center[0] < width / 2 < low.center[0]
        assert high.saliency_rank > low.saliency_rank
        assert left[high.mask].mean() > 0.5 > left[low.mask].mean()
    ramp = np.tile(np.linspace(1.0, 0.0, width), (height, 1))  # strictly falling to the right
    high = make_change(astronaut, "recolor", "high", saliency=ramp, top=1)
    low = make_change(astronaut, "recolor", "low", saliency=ramp, top=1)
    assert high.saliency_rank == 1.0 and low.saliency_rank == 0.0


def test_default_centre_prior_puts_salient_changes_nearer_the_centre(osie_image):
    height, width = osie_image.shape[:2]
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    high = make_change(osie_image, "recolor", "high", seed=1)
    low = make_change(osie_image, "recolor", "low", seed=1)
    assert np.hypot(*(np.array(high.center) - centre)) < np.hypot(*(np.array(low.center) - centre))


def test_saliency_map_of_another_size_and_callable(astronaut):
    small = center_prior((32, 32))
    assert small.shape == (32, 32) and np.isclose(small.sum(), 1)
    assert np.unravel_index(small.argmax(), small.shape) in [(15, 15), (15, 16), (16, 15), (16, 16)]
    assert saliency_for(astronaut, small).shape == astronaut.shape[:2]
    flipped = saliency_for(astronaut, lambda im: im[..., 0].astype(float))
    assert np.array_equal(flipped, astronaut[..., 0].astype(float))


def test_seed_makes_it_reproducible(astronaut):
    a = make_change(astronaut, "move", "low", seed=7)
    b = make_change(astronaut, "move", "low", seed=7)
    assert np.array_equal(a.changed, b.changed) and np.array_equal(a.mask, b.mask)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "blur"}, "kind must be one of"),
        ({"placement": "middle"}, "placement must be one of"),
        ({"area_range": (0.5, 0.1)}, "area_range"),
        ({"saliency": np.zeros((3, 3, 3))}, "saliency must be a finite 2-D map"),
    ],
)
def test_bad_arguments_raise_clear_errors(astronaut, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_change(astronaut, **kwargs)


def test_bad_image_raises():
    with pytest.raises(ValueError, match="image must be a uint8 RGB array"):
        make_change(np.zeros((10, 10), dtype=np.uint8))


def test_placement_by_a_package_model_name(astronaut):
    from saliency_course.models import build_model, predict

    smap = predict(build_model("spectral_residual"), astronaut)
    by_name = saliency_for(astronaut, "spectral_residual")
    assert np.allclose(by_name, smap)
    high = make_change(astronaut, "recolor", "high", saliency="spectral_residual", seed=0)
    low = make_change(astronaut, "recolor", "low", saliency="spectral_residual", seed=0)
    assert smap[high.mask].mean() > smap.mean() > smap[low.mask].mean()
