"""One function per dataset source: its official files, rebuilt from the real data.

Each ``mirror_<source>(mirror, data, ...)`` reads the real data in ``data``
(laid out as ``../shared/data``) and writes what the source's URL serves, in the
official format and archive layout that the package's loader documents (and
pysaliency confirms where it reads the same files). The URLs come from the
package itself (``Resource`` lists and ``*_URL`` constants), so the mirror
follows the package.

Real files are served unchanged where we have them (OSIE, FixaTons, FIGRIM's
annotation, the DHF1K and UCF Sports files). Where the real files are not public
or too big, the content is real data put into the official layout:

* SALICON: real OSIE images scaled to 640x480 (beyond the OSIE images at hand,
  2x2 mosaics of four of them), with the real OSIE eye fixations as ``fixations`` and the
  real OSIE lab mouse points as ``location`` (timestamps spread over 5 s);
* MIT1003 ``DATA.zip``: 240 Hz samples simulated with
  :func:`saliency_course.gaze.simulate_samples` from the real FixaTons MIT1003
  scanpaths (1-based pixels, as the archive stores them);
* MIT300, CAT2000 and Toronto: real images (MIT1003, OSIE) resized or
  letterboxed to the dataset's image size, with the real fixations moved along.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import scipy.io
from PIL import Image

from .mirror import Mirror, write_zip

DHF1K_REPO = (
    "Lu-Hsuan",
    "DHF1K_fixation_visualization",
    "9f7945a9ca60ffcb9f76c1f5ac249606690d2fa6",
)
UCF_REPO = ("arsalasif", "SalAR", "eee0855199233177df0fce80f2a0612b8774ac1f")
UCF_PREFIX = "dataloaders/ucf"
CAT2000_CATEGORIES = (
    "Action", "Affective", "Art", "BlackWhite", "Cartoon", "Fractal", "Indoor", "Inverted",
    "Jumbled", "LineDrawing", "LowResolution", "Noisy", "Object", "OutdoorManMade",
    "OutdoorNatural", "Pattern", "Random", "Satelite", "Sketch", "Social",
)  # fmt: skip
SALICON_SHAPE = (480, 640)
SALICON_VIEWING_MS = 5000.0


# -- real data --------------------------------------------------------------------------
@cache
def osie(data: Path):
    """Real OSIE: image paths, eye fixations and lab mouse points (0-based, package parsers)."""
    from saliency_course.data.osie import IMAGE_IDS, parse_eye_fixations, parse_mouse

    folder = data / "osie" / "data"
    names = [f"{i}.jpg" for i in IMAGE_IDS]
    eye = parse_eye_fixations(folder / "eye" / "fixations.mat", names)
    mouse = parse_mouse([folder / "mouse_lab" / f"{i}.mat" for i in IMAGE_IDS])
    return [folder / "stimuli" / n for n in names], eye, mouse


@cache
def osie_available(data: Path) -> list[int]:
    """Indices of the OSIE images whose stimulus file is present (all 700 in shared/data;
    a subset in the small data folder that travels to a GPU machine)."""
    return [n for n, path in enumerate(osie(data)[0]) if path.is_file()]


def jpeg(image: np.ndarray | Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(image) if isinstance(image, np.ndarray) else image
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def mat_bytes(variables: dict) -> bytes:
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, variables, do_compression=True)
    return buffer.getvalue()


def moved(x: np.ndarray, y: np.ndarray, scale: tuple[float, float], offset=(0.0, 0.0)):
    """0-based pixel centres after scaling an image by ``scale`` (sx, sy) and shifting it."""
    return (x + 0.5) * scale[0] - 0.5 + offset[0], (y + 0.5) * scale[1] - 0.5 + offset[1]


def tree(folder: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    """``(prefix/relative path, file)`` for every file under ``folder``, sorted."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield f"{prefix}/{path.relative_to(folder).as_posix()}", path


def github_archive_url(owner: str, repo: str, commit: str) -> str:
    return f"https://github.com/{owner}/{repo}/archive/{commit}.zip"


def github_raw_url(owner: str, repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{owner}/{repo}/{commit}/{path}"


def fixation_image(points_x, points_y, shape: tuple[int, int], sigma_px: float) -> np.ndarray:
    """A grey ``uint8`` fixation-density picture (the datasets' ``*_fixMap.jpg`` kind)."""
    from scipy.ndimage import gaussian_filter

    small = (max(1, shape[0] // 8), max(1, shape[1] // 8))
    counts = np.zeros(small)
    r = np.clip((np.asarray(points_y) / 8).astype(int), 0, small[0] - 1)
    c = np.clip((np.asarray(points_x) / 8).astype(int), 0, small[1] - 1)
    np.add.at(counts, (r, c), 1.0)
    blurred = gaussian_filter(counts, sigma_px / 8)
    blurred = (255 * blurred / blurred.max()) if blurred.max() > 0 else blurred
    picture = Image.fromarray(blurred.astype(np.uint8)).resize(shape[::-1], Image.BILINEAR)
    return np.asarray(picture)


# -- GitHub-hosted real files --------------------------------------------------------------
def mirror_osie(mirror: Mirror, data: Path) -> None:
    """The authors' repository archive: ``<repo>-<commit>/data/{stimuli,eye,mouse_lab}``."""
    from saliency_course.data import osie as package

    top = f"predicting-human-gaze-beyond-pixels-{package.COMMIT}"
    readme = b"# predicting-human-gaze-beyond-pixels (rehearsal mirror: data folder only)\n"
    members = [(f"{top}/README.md", readme), *tree(data / "osie" / "data", f"{top}/data")]
    mirror.add_zip(package.ARCHIVE_URL, members, comment=package.COMMIT.encode())


def mirror_fixatons(mirror: Mirror, data: Path) -> None:
    """The pinned FixaTons copy: ``<repo>-<commit>/data/FixaTons/<subset>/...``."""
    from saliency_course.data import fixatons as package

    top = f"FixaTons_Trials-{package.COMMIT}/data/FixaTons"
    members = []
    for subset in sorted(p for p in (data / "fixatons").iterdir() if p.is_dir()):
        members += [m for m in tree(subset, f"{top}/{subset.name}") if not m[0].endswith(".md")]
    mirror.add_zip(package.ARCHIVE_URL, members, comment=package.COMMIT.encode())


def _github_files(mirror: Mirror, repo: tuple[str, str, str], files: list[tuple[str, Path]]):
    """Each file at its raw URL, and the whole set as the repository's archive zip."""
    owner, name, commit = repo
    for path, source in files:
        mirror.add_copy(github_raw_url(owner, name, commit, path), source)
    members = [(f"{name}-{commit}/{path}", source) for path, source in files]
    mirror.add_zip(github_archive_url(owner, name, commit), members, comment=commit.encode())


def mirror_dhf1k(mirror: Mirror, data: Path) -> None:
    """Video 002, its 17 raw SMI recordings and ``frame_list.npy`` from the pinned repository."""
    folder = data / "video" / "dhf1k"
    files = [(rel, path) for rel, path in tree(folder, ".") if not rel.endswith(".md")]
    _github_files(mirror, DHF1K_REPO, [(rel[2:], path) for rel, path in files])


def mirror_ucf_sports(mirror: Mirror, data: Path) -> None:
    """Clip Diving-Side-001 (frames, fixation png/mat, maps) from the pinned SalAR repository."""
    folder = data / "video" / "ucf_sports"
    files = [(rel, path) for rel, path in tree(folder, UCF_PREFIX) if not rel.endswith(".md")]
    _github_files(mirror, UCF_REPO, files)


def mirror_figrim(mirror: Mirror, data: Path) -> None:
    """``Targets.zip`` (``Targets/<category>/sun_*.jpg``) and ``allImages_release.mat``."""
    from saliency_course.data import figrim as package

    resources = {r.filename: r for r in package.resources()}
    members = list(tree(data / "figrim" / "Stimuli", "Targets"))
    mirror.add_zip(resources["Targets.zip"].url, members)
    annotation = data / "figrim" / "targetData" / "allImages_release.mat"
    mirror.add_copy(resources["allImages_release.mat"].url, annotation)


# -- MIT1003 and MIT300 ---------------------------------------------------------------------
def _scanpath_trials(folder: Path) -> Iterator[tuple[Path, str, np.ndarray]]:
    from saliency_course.data.fixatons import read_scanpath
    from saliency_course.data.mit1003 import USERS

    for image in sorted((folder / "STIMULI").glob("*.jpeg")):
        for user in USERS:
            path = folder / "SCANPATHS" / image.stem / user
            if path.is_file():
                rows = read_scanpath(path)
                if len(rows):
                    yield image, user, rows


def simulated_eye_data(rows: np.ndarray, seed: int) -> np.ndarray:
    """``(N, 2)`` 240 Hz samples (1-based px) for one FixaTons scanpath ``x y t0 t1`` (1-based)."""
    from saliency_course import gaze
    from saliency_course.fixations import Fixations

    order = np.argsort(rows[:, 2], kind="stable")
    rows = rows[order]
    scanpath = Fixations(
        x=rows[:, 0],
        y=rows[:, 1],
        n=np.zeros(len(rows)),
        subject=np.zeros(len(rows)),
        t=1000.0 * rows[:, 2],
        duration=1000.0 * np.maximum(rows[:, 3] - rows[:, 2], 0.0),
    )
    samples = gaze.simulate_samples(scanpath, rate=240.0, ppd=35.0, seed=seed)
    return np.stack([samples.x, samples.y], axis=1)


def mirror_mit1003(mirror: Mirror, data: Path) -> None:
    """``ALLSTIMULI.zip`` and ``DATA.zip`` (raw samples simulated from the real scanpaths)."""
    from saliency_course.data import mit1003 as package

    urls = {r.filename: r.url for r in package.resources()}
    folder = data / "fixatons" / "MIT1003"
    images = sorted((folder / "STIMULI").glob("*.jpeg"))
    mirror.add_zip(urls["ALLSTIMULI.zip"], [(f"ALLSTIMULI/{p.name}", p) for p in images])
    members = []
    for k, (image, user, rows) in enumerate(_scanpath_trials(folder)):
        eye = simulated_eye_data(rows, seed=k)
        variable = {image.stem[:63]: {"DATA": {"eyeData": eye}}}
        members.append((f"DATA/{user}/{image.stem}.mat", mat_bytes(variable)))
    mirror.add_zip(urls["DATA.zip"], members)


def mirror_mit300(mirror: Mirror, data: Path, count: int = 30) -> None:
    """``BenchmarkIMAGES.zip``: ``BenchmarkIMAGES/i1.jpg ...`` (real MIT1003 pictures)."""
    from saliency_course.data import mit300 as package

    images = sorted((data / "fixatons" / "MIT1003" / "STIMULI").glob("*.jpeg"))
    members = [(f"BenchmarkIMAGES/i{k + 1}.jpg", images[k % len(images)]) for k in range(count)]
    mirror.add_zip(package.URL, members)


# -- CAT2000 and Toronto (OSIE images at the dataset's size) -----------------------------------
def mirror_cat2000(mirror: Mirror, data: Path, per_category: int = 3) -> None:
    """``trainSet.zip``: 1920x1080 letterboxed OSIE images, binary ``fixLocs`` maps per image."""
    from saliency_course.data import cat2000 as package

    paths, eye, _ = osie(data)
    shape, scale, offset = (1080, 1920), 1.8, (240.0, 0.0)  # 800x600 -> 1440x1080, centred
    members = []
    for c, category in enumerate(CAT2000_CATEGORIES):
        for j in range(per_category):
            n = c * per_category + j
            canvas = Image.new("RGB", shape[::-1], (128, 128, 128))
            with Image.open(paths[n]) as picture:
                canvas.paste(picture.convert("RGB").resize((1440, 1080), Image.BICUBIC), (240, 0))
            fixations = eye.for_image(n)
            x, y = moved(fixations.x, fixations.y, (scale, scale), offset)
            rows, cols = np.round(y).astype(int), np.round(x).astype(int)
            inside = (rows >= 0) & (rows < shape[0]) & (cols >= 0) & (cols < shape[1])
            fixlocs = np.zeros(shape, dtype=bool)
            fixlocs[rows[inside], cols[inside]] = True
            stem = f"{category}/{j + 1:03d}"
            members += [
                (f"trainSet/Stimuli/{stem}.jpg", jpeg(canvas)),
                (f"trainSet/FIXATIONLOCS/{stem}.mat", mat_bytes({"fixLocs": fixlocs})),
                (f"trainSet/FIXATIONMAPS/{stem}.jpg", jpeg(fixation_image(x, y, shape, 38.0))),
            ]
    mirror.add_zip(package.URL, members)


def mirror_toronto(mirror: Mirror, data: Path) -> None:
    """``eyetrackingdata.zip``: 120 images of 681x511 and ``origfixdata.mat`` (cell ``white``)."""
    from saliency_course.data import toronto as package

    paths, eye, _ = osie(data)
    shape = (511, 681)
    scale = (shape[1] / 800, shape[0] / 600)
    base = "eyetrackingdata/fixdens"
    members, white = [], np.empty((1, package.COUNT), dtype=object)
    for n in range(package.COUNT):
        with Image.open(paths[n]) as picture:
            resized = picture.convert("RGB").resize(shape[::-1], Image.BICUBIC)
        members.append((f"{base}/Original Image Set/{n + 1}.jpg", jpeg(resized)))
        fixations = eye.for_image(n)
        x, y = moved(fixations.x, fixations.y, scale)
        rows = np.clip(np.round(y).astype(int), 0, shape[0] - 1)
        cols = np.clip(np.round(x).astype(int), 0, shape[1] - 1)
        fixation_map = np.zeros(shape)
        fixation_map[rows, cols] = 1.0
        white[0, n] = fixation_map
    members.append((f"{base}/origfixdata.mat", mat_bytes({"white": white})))
    mirror.add_zip(package.URL, members)


# -- SALICON ------------------------------------------------------------------------------------
def salicon_counts(train_images: int) -> dict[str, int]:
    """Images per split: ``train_images`` for train, half as many for val and for test."""
    if train_images < 2:
        raise ValueError(f"train_images must be >= 2, got {train_images}")
    half = train_images // 2
    return {"train": train_images, "val": half, "test": half}


def salicon_name(split: str, k: int) -> str:
    return f"COCO_{split}2014_{9 + 7 * k:012d}"


def _observers(eye, mouse, sources, tiles) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per observer, 0-based: mouse ``location`` (N, 2), ``timestamp`` (N,) ms, ``fixations``."""
    per_source = [(eye.for_image(n), mouse.for_image(n)) for n in sources]
    observers = []
    for s in range(15):
        fix, loc = [], []
        for (eyes, mice), (scale, offset) in zip(per_source, tiles, strict=True):
            f = eyes.for_subject(s)
            fix.append(np.stack(moved(f.x, f.y, scale, offset), axis=1))
            ids = np.unique(mice.subject)
            if len(ids):
                m = mice.for_subject(int(ids[s % len(ids)]))
                order = np.argsort(m.t, kind="stable")
                loc.append(np.stack(moved(m.x[order], m.y[order], scale, offset), axis=1))
        location = np.concatenate(loc) if loc else np.empty((0, 2))
        timestamp = np.round(np.linspace(0.0, SALICON_VIEWING_MS, len(location), endpoint=False))
        observers.append((location, timestamp, np.concatenate(fix)))
    return observers


def _gaze_struct(observers, outside: bool) -> np.ndarray:
    """The ``gaze`` struct array, 1-based; ``outside`` puts each last mouse sample off the image."""
    gaze = np.empty(
        (len(observers), 1), dtype=[(k, object) for k in ("location", "timestamp", "fixations")]
    )
    for s, (location, timestamp, fixations) in enumerate(observers):
        location = location + 1.0
        if outside and len(location):
            location = location.copy()
            location[-1] = (SALICON_SHAPE[1] + 3.0, -2.0)  # the 2017 edition has such samples
        gaze[s, 0] = (location, timestamp[:, None], fixations + 1.0)
    return gaze


def _salicon_item(data: Path, split: str, k: int, index: int, staging: Path) -> None:
    """Write SALICON item ``index`` (image ``k`` of ``split``) into ``staging``."""
    paths, eye, mouse = osie(data)
    name = salicon_name(split, k)
    height, width = SALICON_SHAPE
    available = osie_available(data)
    if index < len(available):
        sources, tiles = [available[index]], [((0.8, 0.8), (0.0, 0.0))]
    else:  # 2x2 mosaic of four real images at 320x240
        sources = np.random.default_rng(index).choice(available, 4, replace=False).tolist()
        tiles = [((0.4, 0.4), (320.0 * (q % 2), 240.0 * (q // 2))) for q in range(4)]
    canvas = Image.new("RGB", (width, height))
    for n, (scale, offset) in zip(sources, tiles, strict=True):
        with Image.open(paths[n]) as picture:
            size = (round(800 * scale[0]), round(600 * scale[1]))
            canvas.paste(
                picture.convert("RGB").resize(size, Image.BILINEAR),
                (int(offset[0]), int(offset[1])),
            )
    image = staging / "images" / split / f"{name}.jpg"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(jpeg(canvas))
    if split == "test":
        return
    observers = _observers(eye, mouse, sources, tiles)
    for edition in ("2015", "2017"):
        mat = staging / f"fixations_{edition}" / split / f"{name}.mat"
        mat.parent.mkdir(parents=True, exist_ok=True)
        gaze = _gaze_struct(observers, outside=edition == "2017")
        variables = {"image": name, "resolution": np.array([[height, width]]), "gaze": gaze}
        scipy.io.savemat(mat, variables, do_compression=True)


def mirror_salicon(mirror: Mirror, data: Path, train_images: int = 200, jobs: int = 1) -> None:
    """The Drive files: ``images/{train,val,test}/COCO_*.jpg`` and per edition
    ``{train,val}/COCO_*.mat`` (struct array ``gaze``: location, timestamp, fixations)."""
    import shutil

    from saliency_course.data import salicon as package

    staging = mirror.root / ".staging" / "salicon"
    shutil.rmtree(staging, ignore_errors=True)
    items, index = [], 0
    for split, count in salicon_counts(train_images).items():
        for k in range(count):
            items.append((data, split, k, index, staging))
            index += 1
    if len(osie_available(data)) < 4:  # parsed here once, before the workers fork
        raise ValueError(f"data must hold at least 4 OSIE stimuli, found {osie_available(data)}")
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(_salicon_item, *zip(*items, strict=True), chunksize=32))
    else:
        for item in items:
            _salicon_item(*item)
    stimuli = mirror.drive_path(package.STIMULI_ID, "stimuli.zip")
    write_zip(stimuli, tree(staging / "images", "images"))
    mirror.record_drive(package.STIMULI_ID, stimuli)
    for edition, (file_id, _) in package.FIXATIONS.items():
        path = mirror.drive_path(file_id, f"fixations_{edition}.zip")
        folder = staging / f"fixations_{edition}"
        members = [m for split in ("train", "val") for m in tree(folder / split, split)]
        write_zip(path, members)
        mirror.record_drive(file_id, path)
    shutil.rmtree(staging)
