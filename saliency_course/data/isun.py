"""iSUN: gaze on SUN scenes recorded with webcams on Amazon Mechanical Turk (TurkerGaze).

Pingmei Xu, Krista A. Ehinger, Yinda Zhang, Adam Finkelstein, Sanjeev R.
Kulkarni, Jianxiong Xiao. "TurkerGaze: Crowdsourcing Saliency with Webcam based
Eye Tracking." arXiv:1504.06755, 2015. vision.princeton.edu/projects/2014/iSUN/.
Released for the LSUN 2015 saliency challenge: 6,000 training, 926 validation
and 2,000 testing images of the SUN database, each viewed freely by several AMT
workers whose gaze a webcam tracker (a game-like calibration, then free
viewing) estimated.

Files (the official URLs and MD5s pysaliency's ``get_iSUN`` checks), under
``<root>/isun/``: ``training.mat``, ``validation.mat``, ``testing.mat`` and
``images/<name>.jpg`` (``image.zip`` extracted). The challenge's
``fixation.zip`` (fixation maps) is not needed and not fetched.

Layout of ``<split>.mat`` (as pysaliency reads it): one variable named after
the split (``training``, ``validation``, ``testing``), a struct array of one
entry per image with

- ``image``: the image name without extension (``images/<image>.jpg``);
- ``gaze`` (training and validation): a struct array of one entry per viewer
  whose ``fixation`` is ``(N, 2)`` ``[x, y]`` pixel coordinates, in scanpath
  order. Other fields are ignored.

Conversion: the values are **continuous image-plane positions measured from
the image's top-left corner**, not MATLAB pixel indices, so 0.5 is subtracted
to reach the package's convention (pixel centres at integers, the image
spanning ``-0.5 .. W - 0.5``). The evidence: TurkerGaze estimates gaze in the
browser as real-valued screen positions (its released ``visualizer.html``
draws a gaze point at ``left + width * u`` from a position ``u`` in [0, 1]),
and the paper forms fixations as mean-shift cluster centres of those 30 Hz
estimates, i.e. averages; no step indexes a MATLAB array, the ``.mat`` file is
only the container. pysaliency's ``get_iSUN`` uses the values unchanged and
gives a fixation the pixel ``int(x)``; the -0.5 shift assigns exactly the same
pixels (``floor(x - 0.5 + 0.5)``). Earlier versions of this loader subtracted 1
(a 1-based reading), which moved every fixation half a pixel up and left of
pysaliency's. The real files could not be reached from the course's machines to
check this on the data: :func:`coordinate_evidence` measures it on them (how
many values are whole numbers, and how far they reach towards 0 and towards the
image size). Fixations outside the image (size read from the image file) are
dropped. Viewers are anonymous: ``subject`` is the viewer's index on that
image. The files hold no fixation times (pysaliency uses the fixation's rank),
so ``t`` and ``duration`` are absent.

**First fixation.** pysaliency keeps every fixation and so does this loader
by default (``first_fixation=True``); ``first_fixation=False`` drops each
viewer's first. Whether a trial started on a central fixation target is not
stated in the sources reachable here; quantify it with
:func:`saliency_course.data.stats.first_fixation_center_share` on the real
files.

Splits: the official ``train`` (training), ``val`` (validation) and ``test``
(testing, no gaze released). Viewing geometry of webcam viewing on AMT is not
published: ``pixels_per_degree = 35`` (the MIT datasets' value) is assumed;
override with ``load_dataset("isun", pixels_per_degree=...)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..fixations import Fixations
from .base import SaliencyDataset, read_image_shape
from .files import load_mat, missing_files_error

BASE_URL = "http://lsun.cs.princeton.edu/challenge/2015/eyetracking/data"
MAT_MD5 = {
    "training": "5a8b15134b17c7a3f69b087845db1363",
    "validation": "f68e9b011576e48d2460b883854fd86c",
    "testing": "be008ef0330467dcb9c9cd9cc96a8546",
}
IMAGES_MD5 = "0a3af01c5307f1d44f5dd309f71ea963"
SPLITS = {"training": "train", "validation": "val", "testing": "test"}
PIXELS_PER_DEGREE = 35.0
#: Stored positions are measured from the image's corner; the package's pixel centres sit
#: at integers, half a pixel further in.
CORNER_TO_CENTRE = 0.5
CITATION = (
    "Pingmei Xu, Krista A. Ehinger, Yinda Zhang, Adam Finkelstein, Sanjeev R. Kulkarni, "
    "Jianxiong Xiao. TurkerGaze: Crowdsourcing Saliency with Webcam based Eye Tracking. "
    "arXiv:1504.06755, 2015."
)


def resources():
    """The official files: the three ``.mat`` files and ``image.zip``."""
    from .download import Resource

    mats = [
        Resource(f"{BASE_URL}/{name}.mat", f"{name}.mat", md5, archive=False, target=f"{name}.mat")
        for name, md5 in MAT_MD5.items()
    ]
    return [*mats, Resource(f"{BASE_URL}/image.zip", "image.zip", IMAGES_MD5)]


def _text(value) -> str:
    array = np.asarray(value).ravel()
    return str(array[0]) if array.size else ""


def read_split(path: str | Path, name: str) -> list[tuple[str, list[np.ndarray]]]:
    """``(image name, [fixations (N, 2) per viewer])`` for every entry of ``<name>.mat``.

    Coordinates are returned as stored (``[x, y]`` from the image's top-left
    corner); the test split has no ``gaze`` and yields empty lists.
    """
    entries = load_mat(path).get(name)
    if entries is None or entries.dtype.names is None or "image" not in entries.dtype.names:
        raise ValueError(f"{path}: expected a struct array {name!r} with an 'image' field")
    has_gaze = "gaze" in entries.dtype.names
    out = []
    for k, entry in enumerate(entries.ravel()):
        viewers = []
        gaze = entry["gaze"] if has_gaze else np.zeros(0)
        if gaze.size and (gaze.dtype.names is None or "fixation" not in gaze.dtype.names):
            raise ValueError(f"{path}: entry {k} has a 'gaze' without a 'fixation' field")
        for v, viewer in enumerate(gaze.ravel()):
            xy = np.asarray(viewer["fixation"], dtype=np.float64)
            if xy.size and (xy.ndim != 2 or xy.shape[1] != 2):
                raise ValueError(
                    f"{path}: entry {k} viewer {v}: fixation must be (N, 2) [x, y], got {xy.shape}"
                )
            viewers.append(xy.reshape(-1, 2))
        out.append((_text(entry["image"]), viewers))
    return out


def _paths(folder: Path) -> list[Path]:
    return [folder / f"{name}.mat" for name in MAT_MD5]


def load_isun(
    root: str | Path,
    download: bool = True,
    first_fixation: bool = True,
    progress: bool = True,
) -> SaliencyDataset:
    """Load iSUN from ``<root>/isun/`` (the official ``.mat`` files and images)."""
    folder = Path(root) / "isun"
    needed = [*_paths(folder), folder / "images"]
    if not all(p.exists() for p in needed):
        if not download:
            urls = ", ".join(r.url for r in resources())
            raise missing_files_error(
                "isun",
                [p for p in needed if not p.exists()],
                f"Call load_dataset('isun', download=True) or fetch {urls} into {folder} "
                f"(extract image.zip there).",
            )
        from .download import fetch

        fetch(resources(), folder, progress=progress, done=lambda: all(p.exists() for p in needed))
    images, splits, parts = [], {}, []
    for name, split in SPLITS.items():
        entries = read_split(folder / f"{name}.mat", name)
        splits[split] = np.arange(len(images), len(images) + len(entries))
        for image, viewers in entries:
            n = len(images)
            path = folder / "images" / f"{image}.jpg"
            images.append(path)
            if not viewers:
                continue
            shape = read_image_shape(path)
            for subject, xy in enumerate(viewers):
                xy = xy if first_fixation else xy[1:]
                f = Fixations(
                    x=xy[:, 0] - CORNER_TO_CENTRE,
                    y=xy[:, 1] - CORNER_TO_CENTRE,
                    n=np.full(len(xy), n),
                    subject=np.full(len(xy), subject),
                )
                parts.append(f[f.inside(shape)])
    missing = [p for p in images if not p.is_file()]
    if missing:
        raise missing_files_error("isun", missing)
    return SaliencyDataset(
        "isun",
        images,
        Fixations.concatenate(parts),
        PIXELS_PER_DEGREE,
        CITATION,
        splits=splits,
    )


def coordinate_evidence(root: str | Path):
    """How the stored coordinates of ``<root>/isun/`` sit in their images, per split with gaze.

    A ``pandas.DataFrame`` (rows ``train``, ``val``) of: ``fixations``; ``whole
    numbers`` (share of stored x and y values that are integers: near 1 means
    pixel indices, near 0 continuous positions, as this loader assumes);
    ``below 1`` (share of fixations with x or y under 1, impossible for 1-based
    indices); ``below 0.5`` (impossible for positions already shifted to pixel
    centres); ``at or beyond the size`` (x >= W or y >= H: off the image when
    measured from its corner, the last pixel when 1-based). Reads the files only.
    """
    folder = Path(root) / "isun"
    rows = {}
    for name, split in SPLITS.items():
        if name == "testing":
            continue
        xy, sizes = [], []
        for image, viewers in read_split(folder / f"{name}.mat", name):
            if not any(len(v) for v in viewers):
                continue
            height, width = read_image_shape(folder / "images" / f"{image}.jpg")
            for v in viewers:
                xy.append(v)
                sizes.append(np.tile([width, height], (len(v), 1)))
        if not xy:
            raise ValueError(f"{folder / f'{name}.mat'}: no fixations to measure")
        xy, sizes = np.concatenate(xy), np.concatenate(sizes)
        rows[split] = {
            "fixations": len(xy),
            "whole numbers": float(np.mean(xy == np.round(xy))),
            "below 1": float(np.mean((xy < 1).any(axis=1))),
            "below 0.5": float(np.mean((xy < 0.5).any(axis=1))),
            "at or beyond the size": float(np.mean((xy >= sizes).any(axis=1))),
        }
    return pd.DataFrame(rows).T
