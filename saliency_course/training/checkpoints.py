"""Checkpoints of a training run: atomic writes, clear errors, full state.

A run lives in ``<data root>/runs/<run name>/``. After every epoch :func:`save`
writes ``last.pt`` (modules, optimisers, schedulers, the AMP grad scaler, the
Python/NumPy/torch/CUDA random states, the epoch, the update counter, the history
so far, the recipe name and a hash of the run's configuration) and
``history.csv``. Both are written to a temporary file in the same folder and
moved into place with :func:`os.replace`, so a run killed mid-write leaves the
previous checkpoint intact, never half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from .. import config
from ..errors import SaliencyCourseError

CHECKPOINT_NAME = "last.pt"
HISTORY_NAME = "history.csv"
FORMAT_VERSION = 1


class CheckpointError(SaliencyCourseError, ValueError):
    """A checkpoint exists but cannot be used (corrupt, incomplete or from another run)."""


def run_directory(run_name: str, root: str | os.PathLike | None = None) -> Path:
    """``<data root>/runs/<run_name>``; ``run_name`` may contain ``/`` (e.g. ``"dg/fold3"``)."""
    if not isinstance(run_name, str) or not run_name.strip():
        raise ValueError(f"run_name must be a non-empty string, got {run_name!r}")
    parts = Path(run_name).parts
    if Path(run_name).is_absolute() or ".." in parts:
        raise ValueError(f"run_name must be a relative name without '..', got {run_name!r}")
    return config.data_root(root) / "runs" / run_name


def config_hash(settings: dict[str, Any]) -> str:
    """A short SHA-256 of the JSON of ``settings`` (keys sorted)."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rng_state() -> dict[str, Any]:
    """The state of every random generator training touches."""
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` captured (CUDA states only where CUDA is present)."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        cuda_states = state["cuda"][: torch.cuda.device_count()]
        torch.cuda.set_rng_state_all(cuda_states)


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(directory: Path, state: dict[str, Any], history: pd.DataFrame) -> Path:
    """Write ``state`` (plus the history) as ``last.pt`` and ``history.csv``, atomically."""
    state = dict(state, format_version=FORMAT_VERSION, history=history.to_dict("list"))
    path = Path(directory) / CHECKPOINT_NAME
    _atomic_write(path, lambda tmp: torch.save(state, tmp))
    _atomic_write(Path(directory) / HISTORY_NAME, lambda tmp: history.to_csv(tmp, index=False))
    return path


_REQUIRED = ("modules", "optimizers", "epoch", "updates", "rng", "recipe", "config_hash")


def load(directory: Path, map_location: str | torch.device = "cpu") -> dict[str, Any] | None:
    """The checkpoint in ``directory``, ``None`` if there is none.

    A file that exists but cannot be read, or lacks a field, raises
    :class:`CheckpointError` naming the file: a run never restarts silently over
    a damaged checkpoint.
    """
    path = Path(directory) / CHECKPOINT_NAME
    if not path.exists():
        return None
    advice = (
        f"delete {path} to start the run again from scratch, or pass another run_name to keep it"
    )
    try:
        state = torch.load(path, map_location=map_location, weights_only=False)
    except Exception as error:  # torch raises RuntimeError, EOFError, UnpicklingError...
        raise CheckpointError(
            f"checkpoint {path} is corrupt or truncated ({type(error).__name__}: {error}); "
            + advice
        ) from error
    if not isinstance(state, dict):
        raise CheckpointError(
            f"checkpoint {path} holds a {type(state).__name__}, not a dict; {advice}"
        )
    missing = [key for key in _REQUIRED if key not in state]
    if missing:
        raise CheckpointError(f"checkpoint {path} lacks {missing}; {advice}")
    state["history"] = pd.DataFrame(state.get("history") or {})
    return state


def load_weights(
    model: torch.nn.Module,
    run_name: str,
    root: str | os.PathLike | None = None,
    module: str = "model",
) -> dict[str, Any]:
    """Load the weights of ``module`` from run ``run_name``'s last checkpoint into ``model``.

    Starts SalGAN's adversarial stage from the BCE stage's generator, or a
    notebook from a finished run. Returns the checkpoint (epoch, history, ...).
    """
    directory = run_directory(run_name, root)
    state = load(directory)
    if state is None:
        raise FileNotFoundError(
            f"run_name {run_name!r} has no checkpoint at {directory / CHECKPOINT_NAME}"
        )
    if module not in state["modules"]:
        raise ValueError(f"module must be one of {sorted(state['modules'])}, got {module!r}")
    model.load_state_dict(state["modules"][module])
    return state
