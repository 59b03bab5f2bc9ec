"""Input policies: each model is fed as its authors fed it, and its map keeps the image's shape."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from saliency_course.models import build_model, predict
from saliency_course.models.predict import InputPolicy, model_input_policy, resize_image

PORTRAIT = (300, 150)  # H, W


def fed_shapes(model, image, **options):
    """``predict(model, image)`` and the (H, W) of every batch the model was fed."""
    shapes = []
    hook = model.register_forward_pre_hook(lambda m, args: shapes.append(args[0].shape[-2:]))
    try:
        out = predict(model, image, **options)
    finally:
        hook.remove()
    return out, [tuple(s) for s in shapes]


@pytest.mark.parametrize(
    "name, options",
    [
        ("salnet", {}),
        ("deepgaze1", {}),
        ("deepgaze2", {}),
        ("deepgaze2e", {"backbones": ("resnext50",), "components": 1}),
    ],
)
def test_a_portrait_keeps_its_aspect_ratio_and_its_shape(name, options):
    torch.manual_seed(0)
    model = build_model(name, pretrained=False, **options)
    image = np.random.default_rng(0).integers(0, 256, (*PORTRAIT, 3), dtype=np.uint8)
    out, shapes = fed_shapes(model, image)
    assert len(shapes) == 1
    height, width = shapes[0]
    assert abs((height / width) / (PORTRAIT[0] / PORTRAIT[1]) - 1) < 0.05
    assert out.shape == PORTRAIT and np.isfinite(out).all()


def test_policies_of_the_models():
    torch.manual_seed(0)
    salnet = build_model("salnet", pretrained=False)
    assert salnet.input_policy == InputPolicy("fit", (320, 320), False, "cv2_linear")
    assert salnet.input_policy.input_shape((768, 1024)) == (240, 320)  # the paper's size
    assert salnet.input_policy.input_shape(PORTRAIT) == PORTRAIT  # never enlarged
    generator = build_model("salgan", pretrained=False)
    assert generator.input_policy == InputPolicy("fixed", (192, 256), True, "cv2_area", True)
    assert generator.input_policy.input_shape(PORTRAIT) == (192, 256)  # the authors distort
    for name in ("deepgaze1", "deepgaze2"):
        assert build_model(name, pretrained=False).input_policy.kind == "native"


def test_input_size_overrides_the_policy():
    torch.manual_seed(0)
    model = build_model("deepgaze1", pretrained=False)
    image = np.random.default_rng(1).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    out, shapes = fed_shapes(model, image, input_size=(64, 96))
    assert shapes == [(64, 96)] and out.shape == (90, 120)
    assert model_input_policy(model, (64, 96)) == InputPolicy("fixed", (64, 96))


def test_fit_resizes_with_one_factor_as_cv2_does():
    policy = InputPolicy("fit", (320, 320), upscale=False, resize="cv2_linear")
    image = np.random.default_rng(2).integers(0, 256, (400, 250, 3), dtype=np.uint8)
    expected = cv2.resize(image.astype(np.float32), None, fx=0.8, fy=0.8)  # 320 / 400
    resized = resize_image(image, policy)
    assert resized.shape == (320, 200, 3) == expected.shape
    np.testing.assert_array_equal(resized, expected)
    upscaling = InputPolicy("fit", (320, 320))
    assert upscaling.input_shape((100, 50)) == (320, 160)


def test_fixed_area_resize_of_the_uint8_image():
    policy = InputPolicy("fixed", (192, 256), resize="cv2_area", uint8=True)
    image = np.random.default_rng(3).integers(0, 256, (100, 70, 3), dtype=np.uint8)
    expected = cv2.resize(image, (256, 192), interpolation=cv2.INTER_AREA).astype(np.float32)
    np.testing.assert_array_equal(resize_image(image, policy), expected)


def test_bad_policies_and_postprocess():
    with pytest.raises(ValueError, match="kind"):
        InputPolicy("stretch", (10, 10))
    with pytest.raises(ValueError, match="size must be given"):
        InputPolicy("fit")
    with pytest.raises(ValueError, match="size must be None"):
        InputPolicy("native", (10, 10))
    with pytest.raises(ValueError, match="resize"):
        InputPolicy("fixed", (10, 10), resize="nearest")
    model = build_model("uniform", pretrained=False)
    with pytest.raises(ValueError, match="postprocess"):
        predict(model, np.zeros((5, 5, 3), np.uint8), postprocess="blur")
