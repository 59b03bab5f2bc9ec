"""saliency_course.config: data root precedence, devices, offline switch, seeding."""

from __future__ import annotations

import random
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from saliency_course import config
from saliency_course.errors import DriveMountError
from saliency_course.training.checkpoints import run_directory


@pytest.fixture
def clean_env(monkeypatch):
    for key in (
        "SALIENCY_COURSE_DATA",
        "SALIENCY_COURSE_OFFLINE",
        "COLAB_RELEASE_TAG",
        "TORCH_HOME",
    ):
        monkeypatch.setenv(key, "")  # recorded, so that what config.setup sets is undone after
        monkeypatch.delenv(key)
    for name in ("google", "google.colab", "google.colab.drive"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return monkeypatch


class FakeColab:
    """A Colab VM in ``tmp_path``: ``/content`` is local, Google Drive lives in the cloud folder.

    ``google.colab.drive.mount(path)`` links ``path/MyDrive`` to the cloud folder, as
    Colab's Drive mount shows the student's Drive there; :meth:`recycle` wipes the
    VM (``/content`` and the mount) and keeps the cloud.
    """

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.content = tmp_path / "content"
        self.cloud = tmp_path / "cloud" / "My Drive"
        self.cloud.mkdir(parents=True)
        self.mounts: list[str] = []
        drive = types.ModuleType("google.colab.drive")
        drive.mount = self._mount
        colab = types.ModuleType("google.colab")
        colab.drive = drive
        google = types.ModuleType("google")
        google.colab = colab
        for name, module in (("google", google), ("google.colab", colab), (drive.__name__, drive)):
            monkeypatch.setitem(sys.modules, name, module)
        monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_2026")
        monkeypatch.setattr(config, "DRIVE_MOUNT", self.content / "drive")
        monkeypatch.setattr(config, "COLAB_DATA_ROOT", self.content / "saliency_course")

    def _mount(self, mountpoint: str) -> None:
        self.mounts.append(mountpoint)
        Path(mountpoint).mkdir(parents=True, exist_ok=True)
        (Path(mountpoint) / "MyDrive").symlink_to(self.cloud, target_is_directory=True)

    def recycle(self) -> None:
        shutil.rmtree(self.content)


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
    assert config.data_root() == tmp_path  # until the fixture restores the environment


def test_weights_and_runs_follow_the_notebooks_data_dir(clean_env, tmp_path):
    from saliency_course.models.backbones import weights_path

    chosen = tmp_path / "my_drive_folder"
    _, root = config.setup(device_name="cpu", data_dir=chosen, verbose=False)
    assert root == chosen and config.data_root() == chosen
    assert weights_path("salnet.caffemodel") == chosen / "weights" / "salnet.caffemodel"
    assert run_directory("salnet_salicon") == chosen / "runs" / "salnet_salicon"
    other = tmp_path / "other"
    config.setup(device_name="cpu", data_dir=other, verbose=False)  # DATA_DIR changed, cell rerun
    assert config.data_root() == other
    config.setup(device_name="cpu", verbose=False)  # back to DATA_DIR = None: the default again
    assert config.data_root() == Path.home() / ".cache" / "saliency_course"


def test_a_data_root_set_outside_the_notebook_is_left_alone(clean_env, tmp_path):
    clean_env.setenv("SALIENCY_COURSE_DATA", str(tmp_path / "scratch"))  # as the tests do
    _, root = config.setup(device_name="cpu", data_dir=tmp_path / "read_only_data", verbose=False)
    assert root == tmp_path / "read_only_data"  # datasets are read from DATA_DIR
    assert run_directory("run") == tmp_path / "scratch" / "runs" / "run"  # runs go to the scratch
    config.setup(device_name="cpu", verbose=False)
    assert config.data_root() == tmp_path / "scratch"


def test_setup_makes_data_dir_the_root_of_runs_weights_and_backbones(clean_env, tmp_path):
    """Later calls without a root (fit, fetch_weights, torch's hub) land under DATA_DIR."""
    from saliency_course.models.backbones import hub_checkpoint_path, weights_path
    from saliency_course.training import run_directory

    config.setup(device_name="cpu", data_dir=tmp_path, verbose=False)
    assert config.data_root() == tmp_path
    assert run_directory("r").parent.parent == tmp_path
    assert weights_path("w.pth") == tmp_path / "weights" / "w.pth"
    assert tmp_path / "torch" in hub_checkpoint_path("https://x.org/a.pth").parents
    config.setup(device_name="cpu", data_dir=tmp_path / "b", verbose=False)  # a second call
    assert config.data_root() == tmp_path / "b"
    clean_env.setenv("SALIENCY_COURSE_DATA", str(tmp_path / "env"))  # as the tests set it
    config.setup(device_name="cpu", data_dir=tmp_path / "c", verbose=False)
    assert config.data_root() == tmp_path / "env"


def test_drive_data_root_mounts_once_on_colab(clean_env, tmp_path):
    colab = FakeColab(tmp_path, clean_env)
    root = config.data_root("drive")
    assert root == colab.content / "drive" / "MyDrive" / "saliency_course"
    assert colab.mounts == [str(colab.content / "drive")]
    assert config.data_root("drive") == root and len(colab.mounts) == 1  # already mounted
    clean_env.setenv("SALIENCY_COURSE_DATA", "drive")
    assert config.data_root() == root
    assert config.data_root(tmp_path / "arg") == tmp_path / "arg"  # an explicit root still wins
    assert config.data_root("./drive") == Path("drive")  # a folder really named drive


def test_runs_on_drive_survive_a_recycled_runtime(clean_env, tmp_path):
    """What notebooks 06-09 train into DATA_DIR = "drive", notebook 10 finds on a new VM."""
    colab = FakeColab(tmp_path, clean_env)
    for root in (None, "drive"):  # the runtime's default folder, and Drive
        run = run_directory("salnet_salicon", root=root)
        run.mkdir(parents=True)
        (run / "last.pt").write_bytes(b"checkpoint")
    colab.recycle()
    assert not (run_directory("salnet_salicon") / "last.pt").exists()
    found = run_directory("salnet_salicon", root="drive") / "last.pt"
    assert found.read_bytes() == b"checkpoint" and len(colab.mounts) == 2
    assert (colab.cloud / "saliency_course" / "runs" / "salnet_salicon" / "last.pt").is_file()


def test_drive_off_colab(clean_env, tmp_path):
    clean_env.setattr(config, "DRIVE_MOUNT", tmp_path / "drive")
    with pytest.raises(ValueError, match="works only on Colab") as info:
        config.data_root("drive")
    assert str(tmp_path / "drive" / "MyDrive") in str(info.value)
    clean_env.setenv("SALIENCY_COURSE_DATA", "drive")
    with pytest.raises(ValueError, match="works only on Colab"):
        config.data_root()
    (tmp_path / "drive" / "MyDrive").mkdir(parents=True)  # Drive mounted there by other means
    assert config.data_root() == tmp_path / "drive" / "MyDrive" / "saliency_course"


def test_drive_mount_refused_is_a_clear_error(clean_env, tmp_path):
    FakeColab(tmp_path, clean_env)

    def refuse(mountpoint):
        raise ValueError("mount failed")  # what Colab raises when access is not granted

    clean_env.setattr(sys.modules["google.colab.drive"], "mount", refuse)
    with pytest.raises(DriveMountError, match="allow access to Google Drive") as info:
        config.data_root("drive")
    assert "mount failed" in str(info.value) and "DATA_DIR = None" in str(info.value)


def test_setup_says_where_data_lives_and_whether_it_persists(clean_env, tmp_path, capsys):
    colab = FakeColab(tmp_path, clean_env)
    _, root = config.setup(device_name="cpu", data_dir="drive")
    out = capsys.readouterr().out
    assert root == colab.content / "drive" / "MyDrive" / "saliency_course"
    assert f"data on Google Drive ({root})" in out and "persist" in out
    _, root = config.setup(device_name="cpu")
    out = capsys.readouterr().out
    assert root == colab.content / "saliency_course"
    assert "lost when the runtime is recycled" in out and 'DATA_DIR = "drive"' in out
