"""Where data lives, which device to use, and reproducibility switches.

Every notebook calls :func:`setup` in its derived-settings cell: it seeds all
random generators, picks the device and prints the versions a bug report needs.
"""

from __future__ import annotations

import os
import platform
import random
import sys
from pathlib import Path
from typing import Literal

import numpy as np

DATA_ENV = "SALIENCY_COURSE_DATA"
OFFLINE_ENV = "SALIENCY_COURSE_OFFLINE"
COLAB_DATA_ROOT = Path("/content/saliency_course")

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
    The folder is not created here; writers create what they write.
    """
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    if is_colab():
        return COLAB_DATA_ROOT
    return Path.home() / ".cache" / "saliency_course"


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

    Returns ``(torch.device, data root Path)``.
    """
    import torch

    from . import __version__

    seed_everything(seed)
    dev = device(device_name)
    root = data_root(data_dir)
    if verbose:
        gpu = torch.cuda.get_device_name(0) if dev.type == "cuda" else "-"
        print(
            f"saliency_course {__version__} | python {platform.python_version()} | "
            f"torch {torch.__version__} | numpy {np.__version__}\n"
            f"device: {dev} (GPU: {gpu}) | data: {root} | seed: {seed}"
            + (" | offline" if offline() else "")
        )
    return dev, root
