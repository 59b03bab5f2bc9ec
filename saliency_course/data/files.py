"""Reading the datasets' original files: MATLAB ``.mat`` files, missing-file errors, splits."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import scipy.io


def load_mat(path: str | Path, **options) -> dict:
    """``scipy.io.loadmat`` that names the file when it is missing, truncated or not a .mat.

    MATLAB v7.3 files are HDF5 and need ``h5py``; no course dataset uses them,
    so they are reported as unsupported rather than half-read.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expected MATLAB file {path}, but it does not exist")
    with open(path, "rb") as handle:
        head = handle.read(128)
    if head.startswith(b"\x89HDF") or b"MATLAB 7.3" in head:
        raise ValueError(f"{path} is a MATLAB v7.3 (HDF5) file, which this loader does not read")
    try:
        return scipy.io.loadmat(path, **options)
    except (ValueError, TypeError, OSError, EOFError, zlib.error, IndexError) as err:
        raise ValueError(f"MATLAB file {path} is malformed or truncated: {err}") from err


def missing_files_error(dataset: str, missing: Iterable[Path], hint: str = "") -> FileNotFoundError:
    """The error a loader raises when ``download=False`` and files are missing."""
    missing = [str(p) for p in missing]
    shown = "\n  ".join(missing[:5]) + (
        f"\n  ... and {len(missing) - 5} more" if len(missing) > 5 else ""
    )
    return FileNotFoundError(
        f"{dataset}: expected files are missing (download=False):\n  {shown}\n"
        + (hint or f"Call load_dataset({dataset!r}, download=True) or fetch the official files.")
    )


def seeded_split(count: int, fractions: dict[str, float], seed: int) -> dict[str, np.ndarray]:
    """A fixed image-wise random split: ``fractions`` of ``count`` images per name.

    Images are permuted with ``numpy.random.default_rng(seed)``; every split is
    sorted. The last split takes the rounding remainder.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    values = np.array(list(fractions.values()), dtype=float)
    if np.any(values < 0) or not np.isclose(values.sum(), 1.0):
        raise ValueError(f"fractions must be non-negative and sum to 1, got {fractions}")
    order = np.random.default_rng(seed).permutation(count)
    bounds = np.round(np.cumsum(values) * count).astype(int)
    bounds[-1] = count
    starts = np.concatenate([[0], bounds[:-1]])
    return {name: np.sort(order[a:b]) for name, a, b in zip(fractions, starts, bounds, strict=True)}


def save_npz_atomic(path: str | Path, **arrays: np.ndarray) -> Path:
    """Write ``arrays`` to ``path`` (``.npz``) through a temporary file and a rename.

    A reader never sees a half-written file: it finds the old file, no file, or
    the new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def natural_key(path: str | Path) -> list:
    """Sort key that orders ``2.jpg`` before ``10.jpg`` (of a path's file name).

    The name is split into runs of digits and non-digits; digit runs compare as
    integers (``05`` == 5). This is the default ordering of ``natsort.natsorted``
    on plain file names, which pysaliency uses for the stimuli of MIT1003, MIT300
    and CAT2000 (checked against natsort 8.4 on the 1003 MIT1003 names).
    """
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", Path(path).name)]


def natural_sorted(paths: Iterable[str | Path]) -> list:
    """``paths`` in natural order of their file names (see :func:`natural_key`)."""
    return sorted(paths, key=natural_key)


def crossval_folds(count: int, folds: int = 10, seed: int = 42) -> list[np.ndarray]:
    """Image indices of each cross-validation fold, as pysaliency's ``crossval_split``.

    pysaliency (``filter_datasets._get_crossval_split``, used by DeepGaze to
    train on MIT1003) shuffles the stimulus indices ``0..count-1`` with
    ``numpy.random.RandomState(seed).shuffle`` and cuts the shuffled list into
    consecutive chunks of ``ceil(count / folds)`` indices; chunk ``k`` is fold
    ``k`` (the last one is shorter). Each fold keeps the shuffled order.
    """
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"count must be a positive number of images, got {count!r}")
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds must be an int >= 2, got {folds!r}")
    order = np.arange(count)
    np.random.RandomState(seed).shuffle(order)
    size = -(-count // folds)
    return [order[k * size : (k + 1) * size] for k in range(folds)]


def fixations_from_binary_map(fixation_map: np.ndarray, n: int, subject: int = 0):
    """One fixation per non-zero pixel of a binary fixation map (0-based ``x = col, y = row``)."""
    from ..fixations import Fixations

    fixation_map = np.asarray(fixation_map)
    if fixation_map.ndim != 2:
        raise ValueError(f"fixation_map must be 2-D, got shape {fixation_map.shape}")
    rows, cols = np.nonzero(fixation_map)
    return Fixations(x=cols, y=rows, n=np.full(len(rows), n), subject=np.full(len(rows), subject))
