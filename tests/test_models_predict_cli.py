"""``saliency-course predict``: maps, overlays and raw arrays of real images."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from saliency_course.cli import main
from saliency_course.commands.predict import map_to_uint8
from saliency_course.models import build_model, predict


@pytest.fixture(scope="module")
def osie_images(data_dir):
    from saliency_course.data import load_dataset

    dataset = load_dataset("osie", root=data_dir, download=False)
    return [str(dataset.image_paths[i]) for i in (0, 1)], [dataset.image(i) for i in (0, 1)]


def test_writes_maps_overlays_and_arrays_with_given_weights(osie_images, tmp_path):
    paths, images = osie_images
    torch.manual_seed(3)
    model = build_model("deepgaze1", pretrained=False)
    weights = tmp_path / "dg1.pt"
    torch.save({"modules": {"model": model.state_dict()}}, weights)  # a run checkpoint
    out = tmp_path / "maps"
    argv = ["predict", *paths, "--model", "deepgaze1", "--weights", str(weights), "-o", str(out)]
    assert (
        main(
            [
                *argv,
                "--overlay",
                "--npy",
                "--input-size",
                "150",
                "200",
                "--device",
                "cpu",
                "--quiet",
            ]
        )
        == 0
    )
    for path, image in zip(paths, images, strict=True):
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        raw = np.load(out / f"{stem}.npy")
        np.testing.assert_allclose(raw, predict(model, image, input_size=(150, 200)), atol=1e-6)
        grey = np.asarray(Image.open(out / f"{stem}.png"))
        assert grey.shape == image.shape[:2] and grey.dtype == np.uint8 and grey.max() == 255
        assert np.asarray(Image.open(out / f"{stem}_overlay.png")).shape == image.shape
    assert not list(out.glob("*.part"))


def test_salnet_finished_as_its_authors_did_or_raw(osie_images, tmp_path):
    paths, images = osie_images
    out = tmp_path / "maps"
    for postprocess in ("official", "raw"):
        torch.manual_seed(5)
        argv = ["predict", paths[0], "--model", "salnet", "--no-pretrained", "-o", str(out)]
        options = ["--npy", "--quiet", "--input-size", "48", "64", "--postprocess", postprocess]
        assert main([*argv, *options]) == 0
        torch.manual_seed(5)
        model = build_model("salnet", pretrained=False)
        expected = predict(model, images[0], input_size=(48, 64), postprocess=postprocess)
        stem = paths[0].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        np.testing.assert_allclose(np.load(out / f"{stem}.npy"), expected, atol=1e-6)
        assert expected.shape == images[0].shape[:2]


def test_map_to_uint8_scales_densities_and_maps():
    log_density = np.log(np.array([[0.1, 0.2], [0.3, 0.4]]))
    np.testing.assert_array_equal(map_to_uint8(log_density, "log_density"), [[64, 128], [191, 255]])
    np.testing.assert_array_equal(map_to_uint8(np.array([[2.0, 4.0]]), "saliency"), [[0, 255]])


def test_clear_failures(osie_images, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    monkeypatch.setenv("SALIENCY_COURSE_DATA", str(tmp_path))
    paths, _ = osie_images
    assert main(["predict", "nope.jpg", "--model", "salnet", "-o", str(tmp_path)]) == 2
    assert "nope.jpg" in capsys.readouterr().err
    assert main(["predict", paths[0], "--model", "salnet", "-o", str(tmp_path)]) == 1
    assert "deep_net_model.caffemodel" in capsys.readouterr().err
    bad = tmp_path / "w.npz"
    np.savez(bad, np.zeros(1))
    with pytest.raises(ValueError, match="'salgan'"):
        main(["predict", paths[0], "--model", "salnet", "--weights", str(bad), "-o", str(tmp_path)])
