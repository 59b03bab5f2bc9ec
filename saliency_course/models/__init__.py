"""Saliency models behind one interface.

``build_model(name, pretrained=True, **options)`` returns a ``torch.nn.Module``
that takes a normalised float batch ``(B, 3, H, W)``; ``predict(model, image)``
turns a uint8 RGB image into a saliency map (or a log-density) at the image's
size; ``list_models()`` names the models known. Each model family lives in its
own module (``salnet``, ``salgan``, ``deepgaze``, ``deepgaze2e``, ``mlnet``,
``salicon_model``, ``deepfix``, ``bms``, ``classic``, ``framewise``, ``aclnet``),
imported only when built. Each model carries its authors' input policy and
post-processing (:class:`~saliency_course.models.predict.InputPolicy`), which
``predict`` applies.
"""

from .predict import IMAGENET_MEAN, IMAGENET_STD, predict, to_input_batch
from .registry import build_model, list_models, register_model

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "build_model",
    "list_models",
    "predict",
    "register_model",
    "to_input_batch",
]
