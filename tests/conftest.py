"""Shared fixtures: where the real eye-tracking data is, and quiet defaults.

The real data (OSIE, FixaTons MIT1003/SIENA12, FIGRIM, DHF1K, UCF Sports) is
found at ``$SALIENCY_COURSE_TEST_DATA``, else at ``../shared/data`` beside the
repository. Where neither exists, tests that need it are skipped with a message
saying how to get it; under ``CI=true`` a missing data folder is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA_HELP = (
    "real eye-tracking data not found: set SALIENCY_COURSE_TEST_DATA to a folder laid out "
    "like shared/data (osie/, fixatons/, figrim/, video/), or run `saliency-course download "
    "osie --root DIR` and point the variable at DIR"
)

os.environ.setdefault("SALIENCY_COURSE_OFFLINE", "1")
os.environ.setdefault("POT_BACKEND_DISABLE_PYTORCH", "1")
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    # One thread per xdist worker (and per notebook kernel it starts): with a thread per core
    # in every process, the workers' BLAS/OpenMP threads fight over the cores.
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_name, "1")


def find_test_data() -> Path | None:
    """The real-data folder, or ``None`` when there is none."""
    env = os.environ.get("SALIENCY_COURSE_TEST_DATA")
    candidates = [Path(env)] if env else [REPO.parent / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Root of the real data; skips (or fails under CI) when it is missing."""
    path = find_test_data()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but " + DATA_HELP)
        pytest.skip(DATA_HELP)
    return path


@pytest.fixture(scope="module")
def offline_data_root(tmp_path_factory):
    """Offline, with a fresh data root for the module, as the notebooks' smoke runs.

    A fresh root means a smoke run never reuses old checkpoints.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALIENCY_COURSE_DATA", str(tmp_path_factory.mktemp("data_root")))
        patch.setenv("SALIENCY_COURSE_OFFLINE", "1")
        yield


def pytest_collection_modifyitems(config, items) -> None:
    """The longest tests first (notebooks, the browser), so the workers' quick tests fill the tail.

    A stable sort: each module's tests keep their order and stay together.
    """
    long_markers = ("notebook", "browser")
    items.sort(key=lambda item: not any(item.get_closest_marker(m) for m in long_markers))
