"""SaliencyTorchDataset and collate_saliency on real OSIE images and on a hand-made image."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from PIL import Image

from saliency_course.data import load_dataset
from saliency_course.data.base import SaliencyDataset
from saliency_course.data.torch_data import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    SaliencyTorchDataset,
    collate_saliency,
    scale_fixations,
)
from saliency_course.fixations import Fixations


@pytest.fixture(scope="module")
def osie(data_dir):
    return load_dataset("osie", root=data_dir, download=False, mouse=False)


def test_items_have_the_contract_shapes_and_normalisation(osie):
    data = SaliencyTorchDataset(osie, indices=[4, 9], size=(240, 320))
    item = data[1]
    assert item["index"] == 9
    assert item["image"].shape == (3, 240, 320) and item["image"].dtype == torch.float32
    assert item["density"].shape == (1, 240, 320)
    assert torch.isclose(item["density"].sum(), torch.tensor(1.0), atol=1e-5)
    fmap = item["fixation_map"]
    assert fmap.shape == (1, 240, 320) and set(fmap.unique().tolist()) <= {0.0, 1.0}
    # un-normalising gives back the resized uint8 image
    mean, std = torch.tensor(IMAGENET_MEAN).view(3, 1, 1), torch.tensor(IMAGENET_STD).view(3, 1, 1)
    restored = (item["image"] * std + mean) * 255
    resized = np.array(Image.fromarray(osie.image(9)).resize((320, 240), Image.BILINEAR))
    assert torch.allclose(restored, torch.from_numpy(resized).permute(2, 0, 1).float(), atol=1e-3)
    # 800x600 -> 320x240 is a factor 0.4 on both axes, about pixel centres
    f = osie.fixations.for_image(9)
    expected = np.stack([(f.x + 0.5) * 0.4 - 0.5, (f.y + 0.5) * 0.4 - 0.5], axis=1)
    assert np.allclose(item["fixations"].numpy(), expected, atol=1e-4)
    assert 0 < fmap.sum() <= len(f)


def test_image_and_fixations_are_resized_consistently(tmp_path):
    image = np.zeros((100, 200, 3), np.uint8)
    image[40:60, 140:160] = 255  # a bright square centred on pixel centre (149.5, 49.5)
    Image.fromarray(image).save(tmp_path / "a.png")
    fix = Fixations(x=[149.5], y=[49.5], n=[0], subject=[0])
    dataset = SaliencyDataset("toy", [tmp_path / "a.png"], fix, 10.0, "none")
    item = SaliencyTorchDataset(dataset, size=(30, 50))[0]
    grey = (item["image"] * torch.tensor(IMAGENET_STD).view(3, 1, 1)).sum(0).numpy()
    grey -= grey.min()
    rows, cols = np.mgrid[:30, :50]
    centre = [(grey * cols).sum() / grey.sum(), (grey * rows).sum() / grey.sum()]
    assert np.allclose(item["fixations"].numpy()[0], centre, atol=0.2)
    assert np.allclose(scale_fixations([[149.5, 49.5]], (100, 200), (30, 50)), [[37.0, 14.5]])
    peak = np.unravel_index(int(item["density"][0].argmax()), (30, 50))
    assert abs(peak[0] - 14.5) <= 0.5 and abs(peak[1] - 37.0) <= 0.5


def test_cache_is_written_once_and_read_back(osie, tmp_path):
    cache = tmp_path / "cache"
    first = SaliencyTorchDataset(osie, indices=[0, 1, 2], size=(60, 80), cache_dir=cache)
    items = [first[i] for i in range(3)]
    files = sorted(cache.glob("*.npz"))
    assert len(files) == 3 and not list(cache.glob("*.tmp"))
    stamps = [p.stat().st_mtime_ns for p in files]
    again = SaliencyTorchDataset(osie, indices=[0, 1, 2], size=(60, 80), cache_dir=cache)
    for i, item in enumerate(items):
        other = again[i]
        for key in ("image", "density", "fixation_map", "fixations"):
            assert torch.equal(item[key], other[key])
    assert [p.stat().st_mtime_ns for p in files] == stamps
    # a subset re-indexes images but shares the cache entries of the same files
    sub = SaliencyTorchDataset(osie.subset([2]), size=(60, 80), cache_dir=cache)
    assert (
        torch.equal(sub[0]["density"], items[2]["density"]) and len(list(cache.glob("*.npz"))) == 3
    )
    other_size = SaliencyTorchDataset(osie, indices=[0, 3], size=(30, 40), cache_dir=cache)
    other_size.fill_cache(progress=False)
    assert len(list(cache.glob("*.npz"))) == 5 and other_size[1]["image"].shape == (3, 30, 40)
    with pytest.raises(ValueError, match="cache_dir"):
        SaliencyTorchDataset(osie, indices=[0]).fill_cache()


def test_cached_epoch_is_not_decode_bound(osie, tmp_path):
    data = SaliencyTorchDataset(osie, indices=range(12), size=(240, 320), cache_dir=tmp_path)
    start = time.process_time()
    for i in range(len(data)):
        data[i]
    decode = time.process_time() - start
    start = time.process_time()
    for i in range(len(data)):
        data[i]
    cached = time.process_time() - start
    assert cached < decode / 2, (decode, cached)


def test_collate_and_dataloader(osie):
    data = SaliencyTorchDataset(osie, indices=[0, 1, 2], size=(48, 64))
    loader = torch.utils.data.DataLoader(data, batch_size=2, collate_fn=collate_saliency)
    batch = next(iter(loader))
    assert batch["image"].shape == (2, 3, 48, 64) and batch["density"].shape == (2, 1, 48, 64)
    assert batch["fixation_map"].shape == (2, 1, 48, 64)
    assert isinstance(batch["fixations"], list) and batch["fixations"][1].shape[1] == 2
    assert batch["index"].tolist() == [0, 1]
    with pytest.raises(ValueError, match="batch"):
        collate_saliency([])


def test_bad_arguments(osie):
    with pytest.raises(ValueError, match="size must be"):
        SaliencyTorchDataset(osie, size=(240,))
    with pytest.raises(ValueError, match="indices must be"):
        SaliencyTorchDataset(osie, indices=[700])
