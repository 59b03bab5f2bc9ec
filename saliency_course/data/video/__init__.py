"""Video saliency datasets: DHF1K, UCF Sports and Hollywood-2, read from their original files.

* **DHF1K** (:mod:`.dhf1k`) — W. Wang, J. Shen, F. Guo, M.-M. Cheng, A. Borji,
  "Revisiting Video Saliency: A Large-Scale Benchmark and a New Model", CVPR
  2018, and IEEE TPAMI 43(1), 2021: videos, each observer's raw SMI gaze mapped
  to frames with the official ``record_mapping.m`` (:mod:`.gaze_mapping`) and
  continuous maps from ``make_gauss_masks.m`` (:mod:`.continuous_maps`).
* **UCF Sports** (:mod:`.ucf_sports`) and **Hollywood-2** (:mod:`.hollywood2`) —
  eye movements of S. Mathe & C. Sminchisescu, "Actions in the Eye", IEEE TPAMI
  37, 2015, on the videos of Rodriguez et al. (CVPR 2008) and Marszalek et al.
  (CVPR 2009), in the frame-folder layout the DHF1K authors distribute
  (:mod:`.frame_folders`).

A dataset (:class:`VideoDataset`) holds **clips** (:class:`VideoClip`, in
:mod:`.clip`): frames (decoded with PyAV, :mod:`.decoding`), per-frame fixation
maps, density maps and, for DHF1K, each observer's raw gaze.
:class:`FrameDataset` (:mod:`.frames`) shows chosen frames as an image dataset.
Coordinates follow the package convention: 0-based pixels, ``x`` right, ``y``
down. Where each dataset comes from: :mod:`.sources`.
"""

from __future__ import annotations

from .clip import VideoClip, VideoDataset
from .continuous_maps import (
    DHF1K_FWHM_PX,
    UCF_KERNEL_SIZE,
    UCF_SIGMA_PX,
    dhf1k_gaussian_factors,
    dhf1k_saliency_map,
    ucf_saliency_map,
)
from .decoding import decode_video, frame_differences, video_info
from .dhf1k import DHF1K_CITATION, load_dhf1k, read_dhf1k_gaze
from .frames import FrameDataset, frame_dataset
from .gaze_mapping import DHF1K_FPS, DHF1K_SCREEN, dhf1k_fixations, dhf1k_frame_pixels
from .hollywood2 import HOLLYWOOD_CITATION, load_hollywood2
from .sources import DHF1K_DRIVE_FOLDER, HOLLYWOOD_DRIVE_FOLDER
from .ucf_sports import UCF_CITATION, load_ucf_sports

__all__ = [
    "DHF1K_CITATION",
    "DHF1K_DRIVE_FOLDER",
    "DHF1K_FPS",
    "DHF1K_FWHM_PX",
    "DHF1K_SCREEN",
    "FrameDataset",
    "HOLLYWOOD_CITATION",
    "HOLLYWOOD_DRIVE_FOLDER",
    "UCF_CITATION",
    "UCF_KERNEL_SIZE",
    "UCF_SIGMA_PX",
    "VideoClip",
    "VideoDataset",
    "decode_video",
    "dhf1k_fixations",
    "dhf1k_frame_pixels",
    "dhf1k_gaussian_factors",
    "dhf1k_saliency_map",
    "frame_dataset",
    "frame_differences",
    "load_dhf1k",
    "load_hollywood2",
    "load_ucf_sports",
    "read_dhf1k_gaze",
    "ucf_saliency_map",
    "video_info",
]
