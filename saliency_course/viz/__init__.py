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
* :mod:`~saliency_course.viz.layers` — what a network's layers see and add
  (``plot_receptive_fields``, ``plot_map_grid``, ``plot_signed_maps``);
* :mod:`~saliency_course.viz.comparison` — many models compared: scores
  between floor and ceiling, every model's map (``plot_between_floor_and_ceiling``,
  ``show_model_maps``);
* :mod:`~saliency_course.viz.datasets` — datasets compared: examples, centre
  bias, fixation counts and the fixation order (notebook 03);
* :mod:`~saliency_course.viz.metrics` — what the metrics read and how they rank
  maps: the metric lab, rank matrices, metric curves, tied ROC curves and
  resized edges (notebook 04).

Every function is also available as ``viz.<function>``.
"""

from .comparison import plot_between_floor_and_ceiling, show_model_maps
from .datasets import (
    by_fixation_order,
    plot_center_bias_maps,
    plot_center_profiles,
    plot_count_distributions,
    plot_dataset_examples,
    plot_fixation_order,
)
from .layers import plot_map_grid, plot_receptive_fields, plot_signed_maps
from .maps import overlay, plot_fixations, plot_scanpath, show_maps
from .metrics import (
    metric_ranks,
    plot_edge_upsampling,
    plot_metric_curves,
    plot_metric_lab,
    plot_metric_ranks,
    plot_tied_roc,
)
from .source import show_source
from .tables import best_cells, mark_best
from .training import plot_history
from .video import clip_player, draw_frame, plot_frames

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
    "plot_receptive_fields",
    "plot_map_grid",
    "plot_signed_maps",
    "plot_between_floor_and_ceiling",
    "show_model_maps",
    "plot_dataset_examples",
    "plot_center_bias_maps",
    "plot_center_profiles",
    "plot_count_distributions",
    "by_fixation_order",
    "plot_fixation_order",
    "plot_metric_lab",
    "metric_ranks",
    "plot_metric_ranks",
    "plot_metric_curves",
    "plot_tied_roc",
    "plot_edge_upsampling",
]
