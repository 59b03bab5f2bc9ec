"""What a student sees: maps, training curves, video gaze, score tables and package code.

Matplotlib figures and ipywidgets players, one submodule per kind of picture:

* :mod:`~saliency_course.viz.maps` — heat-map overlays, fixations, scanpaths
  and grids of images and maps (``overlay``, ``plot_fixations``,
  ``plot_scanpath``, ``show_maps``);
* :mod:`~saliency_course.viz.training` — losses and validation metrics of a
  training run (``plot_history``);
* :mod:`~saliency_course.viz.video` — video frames with the observers' gaze
  (``draw_frame``, ``plot_frames``, ``clip_player``);
* :mod:`~saliency_course.viz.tables` — score tables with the best value of
  each column marked (``best_cells``, ``mark_best``);
* :mod:`~saliency_course.viz.source` — a package function's code shown in a
  notebook with the file it is defined in (``show_source``);
* :mod:`~saliency_course.viz.attention` — foveated views, change-blindness
  displays, scanpaths beside their density (notebook 00);
* :mod:`~saliency_course.viz.eye_movements` — raw gaze traces, I-VT's velocity,
  threshold sweeps and simulated samples (notebook 01);
* :mod:`~saliency_course.viz.fixation_maps` — fixation and density maps, σ, and
  inter-observer consistency against σ and the number of observers (notebook 02);
* :mod:`~saliency_course.viz.video_maps` — DHF1K's gaze-to-map rules on a frame,
  map sizes, agreement over time, motion and predictions on video (notebook 11).

Every function is also available as ``viz.<function>``.
"""

from .attention import (  # noqa: F401  (notebook 00's figures)
    plot_changes,
    plot_cycle_frames,
    plot_density_and_mask,
    plot_foveation,
    plot_scanpaths_and_density,
)
from .eye_movements import (  # noqa: F401  (notebook 01's figures)
    plot_gaze_trace,
    plot_ivt_window,
    plot_simulated_detection,
    plot_threshold_sweep,
)
from .fixation_maps import (  # noqa: F401  (notebook 02's figures)
    plot_consistency,
    plot_fixations_to_maps,
    plot_observer_count,
    plot_sigmas,
)
from .maps import overlay, plot_fixations, plot_scanpath, show_maps
from .source import show_source
from .tables import best_cells, mark_best
from .training import plot_history
from .video import clip_player, draw_frame, plot_frames
from .video_maps import (  # noqa: F401  (notebook 11's figures)
    gaze_pixels,
    plot_agreement_over_time,
    plot_frame_mapping,
    plot_map_sizes,
    plot_motion_and_gaze,
    plot_predictions,
)

__all__ = [
    "overlay",
    "plot_fixations",
    "plot_scanpath",
    "show_maps",
    "plot_history",
    "draw_frame",
    "plot_frames",
    "clip_player",
    "best_cells",
    "mark_best",
    "show_source",
]
