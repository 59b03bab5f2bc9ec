"""MIT300: the 300 test images of the MIT saliency benchmark (fixations held out).

Tilke Judd, Frédo Durand, Antonio Torralba. "A benchmark of computational
models of saliency to predict human fixations." MIT tech. report
MIT-CSAIL-TR-2012-001, 2012; Zoya Bylinskii, Tilke Judd, Aude Oliva, Antonio
Torralba, Frédo Durand. "What do different evaluation metrics tell us about
saliency models?" TPAMI 2018. saliency.mit.edu.

Layout of ``<root>/mit300/`` as ``BenchmarkIMAGES.zip`` extracts:
``BenchmarkIMAGES/i<k>.jpg``. The 39 observers' fixations are kept by the
benchmark's organisers, so :attr:`~SaliencyDataset.fixations` (and the maps built
from it) raise a ``ValueError`` saying so; submit maps to the benchmark instead.
Same recording set-up as MIT1003 (≈35 px/deg). The only split is ``test``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .base import SaliencyDataset
from .files import missing_files_error, natural_key

URL, MD5 = "http://saliency.mit.edu/BenchmarkIMAGES.zip", "03ed32bdf5e4289950cd28df89451260"
PIXELS_PER_DEGREE = 35.0
CITATION = (
    "Tilke Judd, Fredo Durand, Antonio Torralba. A benchmark of computational models of "
    "saliency to predict human fixations. MIT-CSAIL-TR-2012-001, 2012."
)


class MIT300Dataset(SaliencyDataset):
    """Stimuli only: the benchmark holds the fixations back."""

    @property
    def fixations(self):
        raise ValueError(
            "mit300 has no public fixations: the MIT saliency benchmark keeps them to score "
            "submitted maps (saliency.mit.edu); use mit1003 to train and evaluate locally"
        )


def load_mit300(root: str | Path, download: bool = True, progress: bool = True) -> MIT300Dataset:
    """Load the MIT300 stimuli from ``<root>/mit300/BenchmarkIMAGES/``."""
    folder = Path(root) / "mit300"
    stimuli = folder / "BenchmarkIMAGES"
    if not stimuli.is_dir():
        if not download:
            raise missing_files_error("mit300", [stimuli])
        from .download import Resource, fetch

        fetch(
            [Resource(URL, "BenchmarkIMAGES.zip", MD5)],
            folder,
            progress=progress,
            done=stimuli.is_dir,
        )
    images = sorted(stimuli.glob("*.jpg"), key=natural_key)
    if not images:
        raise missing_files_error("mit300", [stimuli / "i1.jpg"])
    return MIT300Dataset(
        "mit300", images, None, PIXELS_PER_DEGREE, CITATION, splits={"test": np.arange(len(images))}
    )
