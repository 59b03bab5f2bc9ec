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
the mouse samples). Both are MATLAB 1-based: 1 is subtracted (as pysaliency).
``kind="fixations"`` (default) loads the derived fixations, dropping any outside
the image; ``kind="mouse"`` the raw samples with ``t = timestamp``, clipped to
the image. pysaliency clips the 2017 mouse samples only and keeps 2015's (and
the derived fixations) as they are; this loader clips both editions' mouse
samples, so every sample lies on the image.

**First fixation.** There is no fixation cross in this protocol (the cursor,
not the eye, is recorded); pysaliency keeps every sample and fixation, and so
does this loader. Where the cursor started was not checked (no SALICON file is
reachable from the course's test machines).

**Memory.** The 2017 mouse data holds 337,184,700 samples (pysaliency's tests:
215,286,274 train + 121,898,426 val; 2015: 68,992,355 + 38,846,998). The
``.mat`` files are parsed one at a time into growing blocks of compact
columns — ``x``, ``y``, ``t`` as ``float32`` (whole-ms timestamps stay exact
below 4.6 hours), ``n`` as ``int16`` and ``subject`` as ``int8`` where they
fit — which are joined column by column, so the loaded
data takes 15 bytes a sample (5.1 GB for 2017 mouse data, against 13.5 GB at
40 bytes). The result is cached in
``<root>/salicon/cache-<edition>-<kind>-v<package version>.npz`` (written
atomically, uncompressed) with the image names it indexes; a later load reads
the cache and no ``.mat`` file. Loading an edition downloads only what is
missing: the images (``stimuli.zip``) are fetched once for both editions.
``benchmarks/bench_salicon_memory.py`` measures peak memory and time on a
synthetic copy of the real size (15,000 ``.mat`` files, 7.75 GiB); on the
course's shared 2-core build machine (busy, so wall times are inflated):
2017 mouse data, peak RSS 5.12 GiB, 144 s (50 s CPU) parsing and 5.09 GiB,
20 s (6.6 s CPU) from the 4.7 GiB cache; fixations only, 0.17 GiB, 97 s (31 s
CPU) and 0.15 GiB, 1.5 s.

Splits: the official ``train``/``val`` (with fixations) and ``test`` (held out).
The SALICON API blurs its maps with σ = 19 px, taken here as one degree:
``pixels_per_degree = 19``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .. import __version__
from ..fixations import Fixations
from .base import SaliencyDataset
from .files import load_mat, missing_files_error, save_npz_atomic

STIMULI_ID, STIMULI_MD5 = "1g8j-hTT-51IG1UFwP0xTGhLdgIUCW5e5", "eb2a1bb706633d1b31fc2e01422c5757"
FIXATIONS = {
    "2015": ("1WVEiXba-I4GN33f0uUl4KhaN1rK7qzs6", "9a22db9d718200fb90252e5010c004c4"),
    "2017": ("1P-jeZXCsjoKO79OhFUgnj6FGcyvmLDPj", "462b70f4f9e8ea446ac628e46cea8d3d"),
}
KINDS = ("fixations", "mouse")
SPLITS = ("train", "val", "test")
ANNOTATED = ("train", "val")
SHAPE = (480, 640)
PIXELS_PER_DEGREE = 19.0
BLOCK = 1 << 22  # entries per block while parsing
CITATION = (
    "Ming Jiang, Shengsheng Huang, Juanyong Duan, Qi Zhao. SALICON: Saliency in Context. CVPR 2015."
)


def resources(edition: str, images: bool = True, fixations: bool = True):
    """The official files of ``edition``: the shared images and/or the edition's gaze data."""
    from .download import Resource

    drive = "https://drive.google.com/uc?export=download&id="
    fix_id, fix_md5 = FIXATIONS[edition]
    chosen = []
    if images:
        chosen.append(
            Resource(drive + STIMULI_ID, "stimuli.zip", STIMULI_MD5, google_drive_id=STIMULI_ID)
        )
    if fixations:
        chosen.append(
            Resource(
                drive + fix_id,
                f"fixations_{edition}.zip",
                fix_md5,
                target=f"fixations_{edition}",
                google_drive_id=fix_id,
            )
        )
    return chosen


def _read_gaze(path: str | Path):
    gaze = load_mat(path).get("gaze")
    if (
        gaze is None
        or gaze.dtype.names is None
        or not {"location", "timestamp", "fixations"} <= set(gaze.dtype.names)
    ):
        raise ValueError(
            f"{path}: expected a struct array 'gaze' with location/timestamp/fixations"
        )
    return gaze.ravel()


def _points(path, s: int, values) -> np.ndarray:
    points = np.asarray(values, dtype=np.float32)
    if points.size and (points.ndim != 2 or points.shape[1] != 2):
        raise ValueError(f"{path}: observer {s} must hold (N, 2) [x, y] points, got {points.shape}")
    return points.reshape(-1, 2) - np.float32(1.0)


def parse_gaze_file(
    path: str | Path, n: int, kind: str, shape: tuple[int, int] = SHAPE
) -> dict[str, np.ndarray]:
    """One SALICON ``.mat`` file as 0-based columns ``x``, ``y``, ``subject`` (and ``t``).

    ``kind="mouse"``: every sample, clipped to the image, ``t`` = timestamp (ms);
    ``kind="fixations"``: the derived fixations inside the image.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    height, width = shape
    xy, t, subject = [], [], []
    for s, observer in enumerate(_read_gaze(path)):
        points = _points(path, s, observer["location" if kind == "mouse" else "fixations"])
        if kind == "mouse":
            stamps = np.asarray(observer["timestamp"], dtype=np.float32).ravel()
            if len(stamps) != len(points):
                raise ValueError(
                    f"{path}: observer {s} has {len(points)} locations but {len(stamps)} timestamps"
                )
            np.clip(points[:, 0], 0, width - 1, out=points[:, 0])
            np.clip(points[:, 1], 0, height - 1, out=points[:, 1])
            t.append(stamps)
        else:
            x, y = points[:, 0], points[:, 1]
            points = points[(x >= -0.5) & (x < width - 0.5) & (y >= -0.5) & (y < height - 0.5)]
        xy.append(points)
        subject.append(np.full(len(points), s, dtype=np.int16))
    xy = np.concatenate(xy) if xy else np.zeros((0, 2), np.float32)
    columns = {
        "x": np.ascontiguousarray(xy[:, 0]),
        "y": np.ascontiguousarray(xy[:, 1]),
        "n": np.full(len(xy), n, dtype=np.int32),
        "subject": np.concatenate(subject) if subject else np.zeros(0, np.int16),
    }
    if kind == "mouse":
        columns["t"] = np.concatenate(t) if t else np.zeros(0, np.float32)
    return columns


class _Column:
    """A growing 1-D array kept as fixed-size blocks, joined once at the end."""

    def __init__(self, dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.blocks: list[np.ndarray] = []
        self.fill = BLOCK  # the last block is full: the next append opens one

    def append(self, values: np.ndarray) -> None:
        values = values.astype(self.dtype, copy=False)
        while len(values):
            if self.fill == BLOCK:
                self.blocks.append(np.empty(BLOCK, self.dtype))
                self.fill = 0
            take = min(BLOCK - self.fill, len(values))
            self.blocks[-1][self.fill : self.fill + take] = values[:take]
            self.fill += take
            values = values[take:]

    def __len__(self) -> int:
        return 0 if not self.blocks else (len(self.blocks) - 1) * BLOCK + self.fill

    def join(self, dtype=None) -> np.ndarray:
        """The whole column (as ``dtype``); blocks are released as they are copied."""
        out = np.empty(len(self), dtype or self.dtype)
        start = 0
        while self.blocks:
            block = self.blocks.pop(0)
            size = BLOCK if self.blocks else self.fill
            out[start : start + size] = block[:size]
            start += size
            del block
        return out


def _narrow(limit: int):
    for dtype in (np.int8, np.int16, np.int32):
        if limit <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def parse_all(mats: list[Path], kind: str, progress: bool = True) -> Fixations:
    """Stream ``mats`` (file ``k`` is image ``k``) into compact :class:`Fixations`."""
    names = ["x", "y", "n", "subject"] + (["t"] if kind == "mouse" else [])
    dtypes = {"x": np.float32, "y": np.float32, "t": np.float32}
    dtypes.update(n=_narrow(max(len(mats) - 1, 0)), subject=np.int16)
    columns = {name: _Column(dtypes[name]) for name in names}
    observers = 0
    for n, path in enumerate(tqdm(mats, desc=f"SALICON {kind}", disable=not progress)):
        parsed = parse_gaze_file(path, n, kind)
        observers = max(observers, int(parsed["subject"].max(initial=-1)) + 1)
        for name in names:
            columns[name].append(parsed[name])
    dtypes["subject"] = _narrow(max(observers - 1, 0))
    joined = {name: columns.pop(name).join(dtypes[name]) for name in names}
    return Fixations(**joined)


def _cache_path(folder: Path, edition: str, kind: str) -> Path:
    return folder / f"cache-{edition}-{kind}-v{__version__}.npz"


def _read_cache(path: Path, stems: list[str]) -> Fixations | None:
    """The cached fixations, or None if there is none or it indexes other images."""
    if not path.is_file():
        return None
    with np.load(path) as data:
        if "images" not in data.files or data["images"].tolist() != stems:
            return None
        return Fixations(**{k: data[k] for k in data.files if k != "images"})


def _write_cache(path: Path, stems: list[str], fixations: Fixations) -> None:
    columns = {"x": fixations.x, "y": fixations.y, "n": fixations.n, "subject": fixations.subject}
    if fixations.t is not None:
        columns["t"] = fixations.t
    save_npz_atomic(path, images=np.array(stems), **columns)


def _fetch_missing(folder: Path, edition: str, progress: bool, download: bool, cached: bool):
    images_ready = all((folder / "images" / split).is_dir() for split in SPLITS)
    gaze_ready = cached or all(
        (folder / f"fixations_{edition}" / split).is_dir() for split in ANNOTATED
    )
    if images_ready and gaze_ready:
        return
    if not download:
        missing = [folder / "images" / split for split in SPLITS]
        missing += [folder / f"fixations_{edition}" / split for split in ANNOTATED]
        raise missing_files_error("salicon", [p for p in missing if not p.is_dir()])
    from .download import fetch

    fetch(
        resources(edition, images=not images_ready, fixations=not gaze_ready),
        folder,
        progress=progress,
        done=lambda: (
            all((folder / "images" / split).is_dir() for split in SPLITS)
            and all((folder / f"fixations_{edition}" / split).is_dir() for split in ANNOTATED)
        ),
    )


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
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    folder = Path(root) / "salicon"
    cache = _cache_path(folder, edition, kind)
    _fetch_missing(folder, edition, progress, download, cached=cache.is_file())
    images, splits = [], {}
    for split in SPLITS:
        paths = sorted((folder / "images" / split).glob("COCO_*.jpg"))
        splits[split] = np.arange(len(images), len(images) + len(paths))
        images.extend(paths)
    if not images:
        raise missing_files_error("salicon", [folder / "images" / "train" / "COCO_train*.jpg"])
    annotated = [p for split in ANNOTATED for p in images if p.parent.name == split]
    stems = [p.stem for p in annotated]
    fixations = _read_cache(cache, stems)
    if fixations is None:
        gaze = folder / f"fixations_{edition}"
        mats = [gaze / p.parent.name / f"{p.stem}.mat" for p in annotated]
        missing = [p for p in mats if not p.is_file()]
        if missing:
            raise missing_files_error("salicon", missing)
        fixations = parse_all(mats, kind, progress)
        _write_cache(cache, stems, fixations)
    return SaliencyDataset(
        f"salicon{edition}" + ("-mouse" if kind == "mouse" else ""),
        images,
        fixations,
        PIXELS_PER_DEGREE,
        CITATION,
        splits=splits,
        image_shapes=[SHAPE] * len(images),
    )
