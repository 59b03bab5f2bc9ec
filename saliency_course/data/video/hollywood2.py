"""Hollywood-2 eye movements in the DHF1K authors' layout (one shot per clip).

Eye movements: S. Mathe, C. Sminchisescu, "Actions in the Eye: Dynamic Gaze
Datasets and Learnt Saliency Models for Visual Recognition", IEEE TPAMI 37, 2015.
Videos: M. Marszalek, I. Laptev, C. Schmid, "Actions in Context", CVPR 2009.
Maps as distributed with DHF1K (W. Wang et al., CVPR 2018).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ... import config
from .clip import VideoDataset
from .frame_folders import load_frame_folders
from .sources import HOLLYWOOD_DRIVE_FOLDER, require_folder

HOLLYWOOD_CITATION = (
    "S. Mathe, C. Sminchisescu. Actions in the Eye: Dynamic Gaze Datasets and Learnt Saliency "
    "Models for Visual Recognition. IEEE TPAMI 37, 2015. — M. Marszalek, I. Laptev, C. Schmid. "
    "Actions in Context. CVPR 2009. Maps as distributed with DHF1K (Wang et al., CVPR 2018)."
)


def load_hollywood2(
    root: str | Path | None = None,
    download: bool = True,
    clips: Sequence[str] | None = None,
) -> VideoDataset:
    """Hollywood-2 eye movements from ``<root>/hollywood2/{training,testing}/<clip>/``.

    Same layout and conventions as :func:`~saliency_course.data.video.load_ucf_sports`
    (one shot per clip, as the DHF1K authors split the videos).
    """
    folder = Path(config.data_root(root)) / "hollywood2"
    require_folder(
        "hollywood2",
        folder,
        download,
        HOLLYWOOD_DRIVE_FOLDER,
        "training/ and testing/ with <clip>/{images,fixation,maps}",
    )
    return load_frame_folders("hollywood2", folder, HOLLYWOOD_CITATION, clips, None)
