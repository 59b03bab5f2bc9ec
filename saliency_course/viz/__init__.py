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
* :mod:`~saliency_course.viz.densities` — log-densities and scores in bits, a
  sparse readout's weights per layer (``show_log_densities``,
  ``plot_information_gain``, ``readout_sparsity``, ``plot_readout_weights``);
* :mod:`~saliency_course.viz.architecture` — a network's layer trace and a
  learned prior (``layer_trace``, ``plot_learned_prior``).

Every function is also available as ``viz.<function>``.
"""

from .architecture import layer_trace, plot_learned_prior
from .densities import (
    plot_information_gain,
    plot_readout_weights,
    readout_sparsity,
    show_log_densities,
)
from .maps import overlay, plot_fixations, plot_scanpath, show_maps
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
    "show_log_densities",
    "plot_information_gain",
    "readout_sparsity",
    "plot_readout_weights",
    "layer_trace",
    "plot_learned_prior",
]
