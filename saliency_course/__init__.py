"""saliency_course — the tested helper package of the saliency-prediction course.

Notebooks teach; this package does the work they share: data and fixations
(:mod:`~saliency_course.data`, :mod:`~saliency_course.fixations`,
:mod:`~saliency_course.gaze`, :mod:`~saliency_course.maps`), evaluation
(:mod:`~saliency_course.metrics`, :mod:`~saliency_course.losses`), models and
training (:mod:`~saliency_course.models`, :mod:`~saliency_course.training`),
and what a student sees (:mod:`~saliency_course.viz`,
:mod:`~saliency_course.widgets`). Submodules are imported on demand so that
``import saliency_course`` stays cheap.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
