"""UCF Sports eye movements in the DHF1K authors' layout.

Eye movements: S. Mathe, C. Sminchisescu, "Actions in the Eye: Dynamic Gaze
Datasets and Learnt Saliency Models for Visual Recognition", IEEE TPAMI 37, 2015
(ECCV 2012). Videos: M. D. Rodriguez, J. Ahmed, M. Shah, "Action MACH", CVPR
2008. Maps as distributed with DHF1K (W. Wang et al., CVPR 2018), whose README
gives their recipe ``imfilter(fix, fspecial('gaussian', 150, 20), 'replicate')``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ... import config
from .clip import VideoDataset
from .frame_folders import load_frame_folders
from .sources import DHF1K_DRIVE_FOLDER, require_folder

UCF_CITATION = (
    "S. Mathe, C. Sminchisescu. Actions in the Eye: Dynamic Gaze Datasets and Learnt Saliency "
    "Models for Visual Recognition. IEEE TPAMI 37, 2015. — M. D. Rodriguez, J. Ahmed, M. Shah. "
    "Action MACH. CVPR 2008. Maps as distributed with DHF1K (Wang et al., CVPR 2018)."
)


def load_ucf_sports(
    root: str | Path | None = None,
    download: bool = True,
    clips: Sequence[str] | None = None,
) -> VideoDataset:
    """UCF Sports eye movements from ``<root>/ucf_sports/{training,testing}/<clip>/``.

    Frames in ``images/`` (png or jpg), binary fixation maps in ``fixation/``
    (or ``fixation/maps/*.mat``, variable ``I``), continuous maps in ``maps/``.
    Observers' points are merged in the shipped maps, so per-observer data is
    not available. The frame rate (10 fps in the UCF Sports release) and the
    viewing geometry are not part of the files: ``fps`` and
    ``pixels_per_degree`` are ``None``.
    """
    folder = Path(config.data_root(root)) / "ucf_sports"
    require_folder(
        "ucf_sports",
        folder,
        download,
        DHF1K_DRIVE_FOLDER,
        "training/ and testing/ with <clip>/{images,fixation,maps}",
    )
    return load_frame_folders("ucf_sports", folder, UCF_CITATION, clips, None)
