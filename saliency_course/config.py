"""Where data lives, which device to use, and reproducibility switches.

Every notebook calls :func:`setup` in its derived-settings cell: it seeds all
random generators, picks the device and prints the versions a bug report needs.

:data:`REPOSITORY` is the one place that names the course's public repository:
the download ``User-Agent`` reads it, and ``python tools/course_map.py --write``
copies it into the Colab badges and install cells of every notebook, the
README, ``notebooks/TEMPLATE.md`` and ``pyproject.toml``.

``data_root("drive")`` (``DATA_DIR = "drive"`` in a notebook) keeps datasets,
weights and training runs on Google Drive, in ``MyDrive/saliency_course``: they
survive a recycled Colab runtime and every notebook shares them. On Colab the
Drive is mounted at :data:`DRIVE_MOUNT` (``/content/drive``) if it is not yet;
elsewhere ``"drive"`` works only where that mount point already holds a
``MyDrive`` folder, and is otherwise a ``ValueError``.
"""

from __future__ import annotations

import os
import platform
import random
import sys
from pathlib import Path
from typing import Literal

import numpy as np

from .errors import DriveMountError

REPOSITORY = "https://github.com/saliency-course/saliency-course"

DATA_ENV = "SALIENCY_COURSE_DATA"
OFFLINE_ENV = "SALIENCY_COURSE_OFFLINE"
COLAB_DATA_ROOT = Path("/content/saliency_course")
DRIVE = "drive"
DRIVE_MOUNT = Path("/content/drive")  # where Colab mounts Google Drive (tests point it elsewhere)
DRIVE_FOLDER = "saliency_course"  # the data root inside MyDrive

DeviceName = Literal["auto", "cpu", "cuda", "mps"]


def is_colab() -> bool:
    """True when running inside a Google Colab kernel."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def offline() -> bool:
    """True when ``SALIENCY_COURSE_OFFLINE=1``: downloads must then fail at once."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes"}


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds datasets, weights and training runs.

    Precedence: the explicit ``root`` argument, then ``$SALIENCY_COURSE_DATA``,
    then ``/content/saliency_course`` on Colab, else ``~/.cache/saliency_course``.
    Either of the first two may be ``"drive"``: Google Drive's
    ``MyDrive/saliency_course`` (see :func:`drive_root`); a folder really named
    ``drive`` is ``"./drive"``. The folder is not created here; writers create
    what they write.
    """
    if root is None:
        root = os.environ.get(DATA_ENV) or None
    if root is not None:
        if str(root) == DRIVE:
            return drive_root()
        return Path(root).expanduser()
    if is_colab():
        return COLAB_DATA_ROOT
    return Path.home() / ".cache" / "saliency_course"


def drive_root() -> Path:
    """``MyDrive/saliency_course`` on Google Drive, mounting the Drive on Colab if needed.

    A ``MyDrive`` folder already at :data:`DRIVE_MOUNT` is used as it is (Colab
    after an earlier mount, or any machine that mounts Drive there). Otherwise,
    on Colab, ``google.colab.drive.mount`` asks the student for permission;
    off Colab this is a ``ValueError``.
    """
    my_drive = DRIVE_MOUNT / "MyDrive"
    if not my_drive.is_dir():
        if not is_colab():
            raise ValueError(
                f"data root {DRIVE!r} (Google Drive) works only on Colab, where Drive is mounted "
                f"at {DRIVE_MOUNT}; got it on a machine without {my_drive}. Use DATA_DIR = None "
                "(the course cache) or a folder path instead."
            )
        from google.colab import drive  # only importable on Colab

        try:
            drive.mount(str(DRIVE_MOUNT))
        except Exception as err:  # Colab raises several kinds (refused, timed out, ...)
            raise DriveMountError(
                f"could not mount Google Drive at {DRIVE_MOUNT} ({err}). Run the cell again and "
                "allow access to Google Drive, or set DATA_DIR = None to keep the data in this "
                "runtime (lost when Colab recycles it)."
            ) from err
        if not my_drive.is_dir():
            raise DriveMountError(
                f"Google Drive was mounted at {DRIVE_MOUNT} but {my_drive} is not a folder"
            )
    return my_drive / DRIVE_FOLDER


def device(name: DeviceName | str = "auto"):
    """Return a ``torch.device``; ``"auto"`` prefers CUDA, then Apple's MPS, then the CPU.

    Asking for a device that is not available raises a ``ValueError`` that says why.
    On Colab without a GPU, ``"auto"`` prints how to switch the runtime.
    """
    import torch

    name = str(name).lower()
    if name not in {"auto", "cpu", "cuda", "mps"} and not name.startswith("cuda:"):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'mps', got {name!r}")
    has_mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if has_mps:
            return torch.device("mps")
        if is_colab():
            print(
                "No GPU in this Colab runtime: training will be slow. Switch with "
                "Runtime > Change runtime type > Hardware accelerator: GPU (e.g. T4), "
                "then run the notebook again."
            )
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but torch sees no CUDA GPU")
    if name == "mps" and not has_mps:
        raise ValueError("device 'mps' requested but Apple's MPS backend is not available")
    return torch.device(name)


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA); optionally make cuDNN deterministic."""
    import torch

    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.benchmark = not deterministic
    torch.backends.cudnn.deterministic = deterministic
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def setup(
    seed: int = 0,
    device_name: DeviceName | str = "auto",
    data_dir: str | os.PathLike | None = None,
    verbose: bool = True,
):
    """Seed everything, choose the device and report the environment of a notebook.

    ``data_dir`` is passed to :func:`data_root` (``"drive"`` keeps the data on
    Google Drive). Everything the notebook writes later without naming a root
    (official weights, training runs, caches) follows it: ``setup`` puts the
    resolved root in ``$SALIENCY_COURSE_DATA``, unless that variable was set
    outside (the tests point it at a scratch folder while ``DATA_DIR`` names
    read-only data); a later call with ``data_dir=None`` takes it back.
    Returns ``(torch.device, data root Path)``.
    """
    import torch

    from . import __version__

    seed_everything(seed)
    dev = device(device_name)
    root = _follow_data_dir(data_dir)
    if verbose:
        gpu = torch.cuda.get_device_name(0) if dev.type == "cuda" else "-"
        print(
            f"saliency_course {__version__} | python {platform.python_version()} | "
            f"torch {torch.__version__} | numpy {np.__version__}\n"
            f"device: {dev} (GPU: {gpu}) | data: {root} | seed: {seed}"
            + (" | offline" if offline() else "")
        )
        note = _persistence_note(root)
        if note:
            print(note)
    return dev, root


_FROM_SETUP = {"value": None}  # what setup() put in $SALIENCY_COURSE_DATA, if anything


def _follow_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """The data root of ``data_dir``, made the process's default when nobody else set one."""
    current = os.environ.get(DATA_ENV)
    if current is not None and current != _FROM_SETUP["value"]:  # set outside: left alone
        return data_root(data_dir)
    os.environ.pop(DATA_ENV, None)
    _FROM_SETUP["value"] = None
    root = data_root(data_dir)
    if data_dir is not None:
        os.environ[DATA_ENV] = _FROM_SETUP["value"] = str(root)
    return root


def _persistence_note(root: Path) -> str | None:
    """Whether data at ``root`` survives the Colab runtime (None off Colab and off Drive)."""
    drive = DRIVE_MOUNT / "MyDrive"
    if root == drive or drive in root.parents:
        return (
            f"data on Google Drive ({root}): datasets, weights and runs persist across Colab "
            "runtimes and every notebook shares them"
        )
    if is_colab():  # everything outside the Drive mount lives on the VM
        return (
            f"data in this Colab runtime ({root}): lost when the runtime is recycled; "
            'DATA_DIR = "drive" keeps it on Google Drive'
        )
    return None
