"""Clips stored as folders of frames, the layout the DHF1K authors distribute UCF Sports
and Hollywood-2 in (W. Wang et al., CVPR 2018; eye movements of S. Mathe and
C. Sminchisescu, IEEE TPAMI 37, 2015).

``<dataset>/{training,testing}/<clip>/images`` (png or jpg frames),
``fixation/*.png`` (binary, the observers' union) or ``fixation/maps/*.mat``
(variable ``I``), and ``maps/*.png`` (continuous maps).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..base import read_image_shape
from ..files import missing_files_error
from .clip import VideoClip, VideoDataset, sorted_images

SPLIT_FOLDERS = {"train": "training", "test": "testing"}


def load_frame_folders(
    name: str,
    folder: Path,
    citation: str,
    clips: Sequence[str] | None,
    fps: float | None,
) -> VideoDataset:
    """Every clip folder under ``folder/{training,testing}`` (``clips`` selects by name)."""
    result, splits = [], {}
    wanted = set(clips) if clips is not None else None
    for split, sub in SPLIT_FOLDERS.items():
        base = folder / sub
        if not base.is_dir():
            continue
        indices = []
        for clip_dir in sorted(p for p in base.iterdir() if p.is_dir()):
            if wanted is not None and clip_dir.name not in wanted:
                continue
            frame_paths = sorted_images(clip_dir / "images")
            if not frame_paths:
                raise ValueError(f"{name}: clip folder {clip_dir} has no images/ frames")
            fix_dir = clip_dir / "fixation"
            fixation_paths = (sorted_images(fix_dir) if fix_dir.is_dir() else None) or None
            if fixation_paths is None and (fix_dir / "maps").is_dir():  # .mat only (variable I)
                fixation_paths = sorted((fix_dir / "maps").glob("*.mat"))
            map_paths = sorted_images(clip_dir / "maps") if (clip_dir / "maps").is_dir() else None
            indices.append(len(result))
            result.append(
                VideoClip(
                    clip_dir.name,
                    len(frame_paths),
                    read_image_shape(frame_paths[0]),
                    fps,
                    frame_paths=frame_paths,
                    fixation_paths=fixation_paths,
                    map_paths=map_paths,
                    kind=name,
                )
            )
        splits[split] = indices
    if wanted is not None and wanted - {c.name for c in result}:
        raise ValueError(
            f"{name}: clips {sorted(wanted - {c.name for c in result})} not found in {folder}"
        )
    if not result:
        raise missing_files_error(name, [folder / "testing" / "<clip>" / "images"])
    return VideoDataset(name, result, citation, splits, pixels_per_degree=None)
