"""UCF Sports eye movements in the DHF1K authors' layout.

Eye movements: S. Mathe, C. Sminchisescu, "Actions in the Eye: Dynamic Gaze
Datasets and Learnt Saliency Models for Visual Recognition", IEEE TPAMI 37, 2015
(ECCV 2012). Videos: M. D. Rodriguez, J. Ahmed, M. Shah, "Action MACH", CVPR
2008. Maps as distributed with DHF1K (W. Wang et al., CVPR 2018), whose README
gives their recipe ``imfilter(fix, fspecial('gaussian', 150, 20), 'replicate')``.

The clip Diving-Side-001 is fetched automatically from a public GitHub copy
(:data:`.sources.UCF_SPORTS_GITHUB`, SHA-256 checked); the full release comes
from the DHF1K authors' Google Drive folder, by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ... import config
from .clip import VideoDataset
from .frame_folders import SPLIT_FOLDERS, load_frame_folders
from .sources import DHF1K_DRIVE_FOLDER, UCF_SPORTS_GITHUB, fetch_github, require_folder

UCF_CITATION = (
    "S. Mathe, C. Sminchisescu. Actions in the Eye: Dynamic Gaze Datasets and Learnt Saliency "
    "Models for Visual Recognition. IEEE TPAMI 37, 2015. — M. D. Rodriguez, J. Ahmed, M. Shah. "
    "Action MACH. CVPR 2008. Maps as distributed with DHF1K (Wang et al., CVPR 2018)."
)
#: The clip whose files a public GitHub repository holds (:data:`.sources.UCF_SPORTS_GITHUB`).
PUBLIC_CLIP = "Diving-Side-001"
_AUTOMATIC = f"Only the clip {PUBLIC_CLIP} is fetched automatically (from GitHub)."


def _fetch_public_clip(folder: Path, clips: Sequence[str] | None) -> bool:
    """Whether to fetch the public clip: wanted, incomplete, and no other copy or clip is there.

    Wanted means named in ``clips``, or ``clips`` is None and the folder holds
    no other clip. A clip folder holding a file the pinned copy lacks is
    someone else's copy (e.g. the full release): it is left alone.
    """
    if clips is not None and PUBLIC_CLIP not in clips:
        return False
    if not UCF_SPORTS_GITHUB.missing(folder):
        return False
    clip_dir = folder / UCF_SPORTS_GITHUB.target
    pinned = {clip_dir / f.path for f in UCF_SPORTS_GITHUB.files}
    if clip_dir.is_dir() and any(p.is_file() and p not in pinned for p in clip_dir.rglob("*")):
        return False
    others = [
        d
        for split in SPLIT_FOLDERS.values()
        if (folder / split).is_dir()
        for d in (folder / split).iterdir()
        if d.is_dir() and d != clip_dir
    ]
    return clips is not None or not others


def load_ucf_sports(
    root: str | Path | None = None,
    download: bool = True,
    clips: Sequence[str] | None = None,
    progress: bool = True,
) -> VideoDataset:
    """UCF Sports eye movements from ``<root>/ucf_sports/{training,testing}/<clip>/``.

    Frames in ``images/`` (png or jpg), binary fixation maps in ``fixation/``
    (or ``fixation/maps/*.mat``, variable ``I``), continuous maps in ``maps/``.
    Observers' points are merged in the shipped maps, so per-observer data is
    not available. The frame rate (10 fps in the UCF Sports release) and the
    viewing geometry are not part of the files: ``fps`` and
    ``pixels_per_degree`` are ``None``.

    Downloads (``download=True``): the test clip Diving-Side-001 (54 frames) is
    fetched from its public GitHub copy, pinned by commit and checked by
    SHA-256, when ``clips`` names it or, with ``clips=None``, when the folder
    holds no clip at all (so ``load_dataset("ucf_sports")`` on an empty data
    root gives that one clip). Every other clip comes from the DHF1K authors'
    Google Drive folder, by hand. ``progress`` shows a bar over the download.
    """
    folder = Path(config.data_root(root)) / "ucf_sports"
    if download and _fetch_public_clip(folder, clips):
        fetch_github(UCF_SPORTS_GITHUB, folder, progress)
    require_folder(
        "ucf_sports",
        folder,
        download,
        DHF1K_DRIVE_FOLDER,
        "training/ and testing/ with <clip>/{images,fixation,maps}",
        _AUTOMATIC,
    )
    return load_frame_folders("ucf_sports", folder, UCF_CITATION, clips, None)
