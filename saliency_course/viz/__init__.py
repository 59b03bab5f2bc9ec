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
* :mod:`~saliency_course.viz.panels` — maps side by side on their own colour
  scales, e.g. a training target (``Panel``, ``show_panels``);
* :mod:`~saliency_course.viz.networks` — a network's layers, first-layer filters
  of several weight sets and the curves of several training runs
  (``layer_table``, ``show_filters``, ``compare_runs``);
* :mod:`~saliency_course.viz.gan` — a discriminator's verdicts on human and
  generated maps (``plot_verdicts``).

Every function is also available as ``viz.<function>``.
"""

from .gan import plot_verdicts
from .maps import overlay, plot_fixations, plot_scanpath, show_maps
from .networks import compare_runs, layer_table, show_filters
from .panels import Panel, show_panels
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
    "Panel",
    "show_panels",
    "layer_table",
    "show_filters",
    "compare_runs",
    "plot_verdicts",
]
