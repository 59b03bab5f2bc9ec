"""SALICON: saliency in context, mouse tracking on 20,000 MS COCO images.

Ming Jiang, Shengsheng Huang, Juanyong Duan, Qi Zhao. "SALICON: Saliency in
Context." CVPR 2015. salicon.net. Observers moved a mouse over a blurred
image whose region around the cursor was sharp (a foveation simulation); the
mouse trajectory stands in for gaze.

Files (Google Drive, ids from pysaliency; extracted as the zips are):
``<root>/salicon/images/{train,val,test}/COCO_*.jpg`` (640x480, 10,000 / 5,000 /
5,000) and, per edition, ``fixations_<edition>/{train,val}/COCO_*.mat``. Each
``.mat`` holds a struct array ``gaze``, one entry per observer (ids are not
shared across images, so ``subject`` is the entry's index on that image), with
``location`` (raw mouse samples ``(N, 2)`` ``[x, y]``), ``timestamp`` (ms) and
``fixations`` (``(N, 2)`` ``[x, y]``, "fixations" the SALICON team derived from
the mouse samples). Both are MATLAB 1-based: 1 is subtracted. ``kind="fixations"``
(default) loads the derived fixations, dropping any outside the image;
``kind="mouse"`` the raw samples with ``t = timestamp``, clipped to the image as
pysaliency does for the 2017 edition.

Splits: the official ``train``/``val`` (with fixations) and ``test`` (held out).
The SALICON API blurs its maps with σ = 19 px, taken here as one degree:
``pixels_per_degree = 19``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..fixations import Fixations
from .base import SaliencyDataset
from .files import load_mat, missing_files_error

STIMULI_ID, STIMULI_MD5 = "1g8j-hTT-51IG1UFwP0xTGhLdgIUCW5e5", "eb2a1bb706633d1b31fc2e01422c5757"
FIXATIONS = {
    "2015": ("1WVEiXba-I4GN33f0uUl4KhaN1rK7qzs6", "9a22db9d718200fb90252e5010c004c4"),
    "2017": ("1P-jeZXCsjoKO79OhFUgnj6FGcyvmLDPj", "462b70f4f9e8ea446ac628e46cea8d3d"),
}
SHAPE = (480, 640)
PIXELS_PER_DEGREE = 19.0
CITATION = (
    "Ming Jiang, Shengsheng Huang, Juanyong Duan, Qi Zhao. SALICON: Saliency in Context. CVPR 2015."
)


def resources(edition: str):
    from .download import Resource

    drive = "https://drive.google.com/uc?export=download&id="
    fix_id, fix_md5 = FIXATIONS[edition]
    return [
        Resource(drive + STIMULI_ID, "stimuli.zip", STIMULI_MD5, google_drive_id=STIMULI_ID),
        Resource(
            drive + fix_id,
            f"fixations_{edition}.zip",
            fix_md5,
            target=f"fixations_{edition}",
            google_drive_id=fix_id,
        ),
    ]


def parse_gaze_file(
    path: str | Path, n: int, kind: str, shape: tuple[int, int] = SHAPE
) -> Fixations:
    """One SALICON ``.mat`` file (struct array ``gaze``) as 0-based :class:`Fixations`."""
    gaze = load_mat(path).get("gaze")
    if (
        gaze is None
        or gaze.dtype.names is None
        or not {"location", "timestamp", "fixations"} <= set(gaze.dtype.names)
    ):
        raise ValueError(
            f"{path}: expected a struct array 'gaze' with location/timestamp/fixations"
        )
    height, width = shape
    parts = []
    for s, observer in enumerate(gaze.ravel()):
        field = "location" if kind == "mouse" else "fixations"
        xy = np.asarray(observer[field], dtype=float).reshape(-1, 2) - 1.0
        if kind == "mouse":
            t = np.asarray(observer["timestamp"], dtype=float).ravel()
            if len(t) != len(xy):
                raise ValueError(
                    f"{path}: observer {s} has {len(xy)} locations but {len(t)} timestamps"
                )
            xy = np.clip(xy, [0, 0], [width - 1, height - 1])
            parts.append(
                Fixations(
                    x=xy[:, 0], y=xy[:, 1], n=np.full(len(xy), n), subject=np.full(len(xy), s), t=t
                )
            )
        else:
            f = Fixations(
                x=xy[:, 0], y=xy[:, 1], n=np.full(len(xy), n), subject=np.full(len(xy), s)
            )
            parts.append(f[f.inside(shape)])
    return Fixations.concatenate(parts)


def load_salicon(
    root: str | Path,
    download: bool = True,
    edition: str = "2015",
    kind: str = "fixations",
    progress: bool = True,
) -> SaliencyDataset:
    """Load SALICON: ``edition`` "2015" or "2017", ``kind`` "fixations" or "mouse"."""
    edition = str(edition)
    if edition not in FIXATIONS:
        raise ValueError(f"edition must be '2015' or '2017', got {edition!r}")
    if kind not in ("fixations", "mouse"):
        raise ValueError(f"kind must be 'fixations' or 'mouse', got {kind!r}")
    folder = Path(root) / "salicon"
    needed = [folder / "images" / "train", folder / f"fixations_{edition}" / "train"]
    if not all(p.is_dir() for p in needed):
        if not download:
            raise missing_files_error("salicon", [p for p in needed if not p.is_dir()])
        from .download import fetch

        fetch(
            resources(edition),
            folder,
            progress=progress,
            done=lambda: all(p.is_dir() for p in needed),
        )
    images, splits, parts = [], {}, []
    for split in ("train", "val", "test"):
        paths = sorted((folder / "images" / split).glob("COCO_*.jpg"))
        splits[split] = np.arange(len(images), len(images) + len(paths))
        if split != "test":
            for k, path in enumerate(tqdm(paths, desc=f"SALICON {split}", disable=not progress)):
                mat = folder / f"fixations_{edition}" / split / (path.stem + ".mat")
                if not mat.is_file():
                    raise missing_files_error("salicon", [mat])
                parts.append(parse_gaze_file(mat, len(images) + k, kind))
        images.extend(paths)
    if not images:
        raise missing_files_error("salicon", [folder / "images" / "train" / "COCO_train*.jpg"])
    return SaliencyDataset(
        f"salicon{edition}" + ("-mouse" if kind == "mouse" else ""),
        images,
        Fixations.concatenate(parts),
        PIXELS_PER_DEGREE,
        CITATION,
        splits=splits,
        image_shapes=[SHAPE] * len(images),
    )
