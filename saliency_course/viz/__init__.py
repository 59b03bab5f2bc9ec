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
  resized edges (notebook 04);
* :mod:`~saliency_course.viz.attention` — foveated views, change-blindness
  displays, scanpaths beside their density (notebook 00);
* :mod:`~saliency_course.viz.eye_movements` — raw gaze traces, I-VT's velocity,
  threshold sweeps and simulated samples (notebook 01);
* :mod:`~saliency_course.viz.fixation_maps` — fixation and density maps, σ, and
  inter-observer consistency against σ and the number of observers (notebook 02);
* :mod:`~saliency_course.viz.video_maps` — DHF1K's gaze-to-map rules on a frame,
  map sizes, agreement over time, motion and predictions on video (notebook 11);
* :mod:`~saliency_course.viz.densities` — log-densities and scores in bits, a
  sparse readout's weights per layer (``show_log_densities``,
  ``plot_information_gain``, ``readout_sparsity``, ``plot_readout_weights``);
* :mod:`~saliency_course.viz.architecture` — a network's layer trace and a
  learned prior (``layer_trace``, ``plot_learned_prior``);
* :mod:`~saliency_course.viz.panels` — maps side by side on their own colour
  scales, e.g. a training target (``Panel``, ``show_panels``);
* :mod:`~saliency_course.viz.networks` — a network's layers, first-layer filters
  of several weight sets and the curves of several training runs
  (``layer_table``, ``show_filters``, ``compare_runs``);
* :mod:`~saliency_course.viz.gan` — a discriminator's verdicts on human and
  generated maps (``plot_verdicts``).

Every function is also available as ``viz.<function>``.
"""

from .architecture import layer_trace, plot_learned_prior
from .attention import (
    plot_changes,
    plot_cycle_frames,
    plot_density_and_mask,
    plot_foveation,
    plot_scanpaths_and_density,
)
from .comparison import plot_between_floor_and_ceiling, show_model_maps
from .datasets import (
    by_fixation_order,
    plot_center_bias_maps,
    plot_center_profiles,
    plot_count_distributions,
    plot_dataset_examples,
    plot_fixation_order,
)
from .densities import (
    plot_information_gain,
    plot_readout_weights,
    readout_sparsity,
    show_log_densities,
)
from .eye_movements import (
    plot_gaze_trace,
    plot_ivt_window,
    plot_simulated_detection,
    plot_threshold_sweep,
)
from .fixation_maps import (
    plot_consistency,
    plot_fixations_to_maps,
    plot_observer_count,
    plot_sigmas,
)
from .gan import plot_verdicts
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
from .networks import compare_runs, layer_table, show_filters
from .panels import Panel, show_panels
from .source import show_source
from .tables import best_cells, mark_best
from .training import plot_history
from .video import clip_player, draw_frame, plot_frames
from .video_maps import (
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
    "plot_changes",
    "plot_cycle_frames",
    "plot_density_and_mask",
    "plot_foveation",
    "plot_scanpaths_and_density",
    "plot_gaze_trace",
    "plot_ivt_window",
    "plot_simulated_detection",
    "plot_threshold_sweep",
    "plot_consistency",
    "plot_fixations_to_maps",
    "plot_observer_count",
    "plot_sigmas",
    "gaze_pixels",
    "plot_agreement_over_time",
    "plot_frame_mapping",
    "plot_map_sizes",
    "plot_motion_and_gaze",
    "plot_predictions",
    "show_log_densities",
    "plot_information_gain",
    "readout_sparsity",
    "plot_readout_weights",
    "layer_trace",
    "plot_learned_prior",
    "Panel",
    "show_panels",
    "layer_table",
    "show_filters",
    "compare_runs",
    "plot_verdicts",
]
