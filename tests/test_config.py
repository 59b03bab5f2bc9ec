"""saliency_course.config: data root precedence, devices, offline switch, seeding."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from saliency_course import config


@pytest.fixture
def clean_env(monkeypatch):
    for key in ("SALIENCY_COURSE_DATA", "SALIENCY_COURSE_OFFLINE", "COLAB_RELEASE_TAG"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delitem(__import__("sys").modules, "google.colab", raising=False)
    return monkeypatch


def test_data_root_precedence(clean_env, tmp_path):
    assert config.data_root() == Path.home() / ".cache" / "saliency_course"
    clean_env.setenv("COLAB_RELEASE_TAG", "release-colab_2026")
    assert config.is_colab()
    assert config.data_root() == Path("/content/saliency_course")
    clean_env.setenv("SALIENCY_COURSE_DATA", str(tmp_path / "env"))
    assert config.data_root() == tmp_path / "env"
    assert config.data_root(tmp_path / "arg") == tmp_path / "arg"


def test_offline_switch(clean_env):
    assert not config.offline()
    clean_env.setenv("SALIENCY_COURSE_OFFLINE", "1")
    assert config.offline()
    clean_env.setenv("SALIENCY_COURSE_OFFLINE", "0")
    assert not config.offline()


def test_device_choice(clean_env):
    assert config.device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available() and torch.backends.mps.is_available():
        expected = "mps"
    assert config.device("auto").type == expected
    with pytest.raises(ValueError, match="device must be"):
        config.device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_missing_cuda_is_a_clear_error_and_colab_hint(clean_env, capsys):
    with pytest.raises(ValueError, match="no CUDA GPU"):
        config.device("cuda")
    clean_env.setenv("COLAB_RELEASE_TAG", "x")
    assert config.device("auto").type in {"cpu", "mps"}
    assert "Change runtime type" in capsys.readouterr().out


def test_seed_everything_makes_all_generators_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    config.seed_everything(7)
    first = draw()
    config.seed_everything(7)
    assert draw() == first
    config.seed_everything(8)
    assert draw() != first
    with pytest.raises(ValueError, match="seed"):
        config.seed_everything(-1)


def test_setup_reports_device_and_data(clean_env, tmp_path, capsys):
    dev, root = config.setup(seed=3, device_name="cpu", data_dir=tmp_path)
    assert dev == torch.device("cpu") and root == tmp_path
    out = capsys.readouterr().out
    assert "device: cpu" in out and str(tmp_path) in out and "torch" in out
