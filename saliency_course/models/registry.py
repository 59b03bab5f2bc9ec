"""The model registry: names -> ``"module:builder"`` strings, imported lazily.

A model's module is imported only when that model is built, so a half-written
module of one model family never breaks the others, and ``list_models()`` is
instant. Every builder has the signature ``builder(pretrained=True, **options)``
and returns a ``torch.nn.Module`` that carries two attributes:

* ``output_kind``: ``"saliency"`` (a non-negative map of any scale) or
  ``"log_density"`` (``logsumexp == 0`` over the image), or ``"discriminator"`` (a
  real-vs-generated probability, e.g. SalGAN's discriminator; not for ``predict``);
* ``input_size``: the ``(H, W)`` the paper trained the network at;
* optionally ``input_policy`` (:class:`~saliency_course.models.predict.InputPolicy`):
  how its authors sized an image for it (native, fit inside a box, fixed), which
  :func:`saliency_course.models.predict` applies (without one, ``input_size``).
"""

from __future__ import annotations

import importlib
from typing import Any

OUTPUT_KINDS = ("saliency", "log_density", "discriminator")

_MODELS: dict[str, str] = {
    "salnet": "saliency_course.models.salnet:build_salnet",
    "salgan": "saliency_course.models.salgan:build_salgan",
    "salgan_discriminator": "saliency_course.models.salgan:build_salgan_discriminator",
    "deepgaze1": "saliency_course.models.deepgaze:build_deepgaze1",
    "deepgaze2": "saliency_course.models.deepgaze:build_deepgaze2",
    "deepgaze2e": "saliency_course.models.deepgaze2e:build_deepgaze2e",
    "deepfix": "saliency_course.models.deepfix:build_deepfix",
    "uniform": "saliency_course.models.classic:build_uniform",
    "center_bias": "saliency_course.models.classic:build_center_bias",
    "spectral_residual": "saliency_course.models.classic:build_spectral_residual",
    "itti_koch": "saliency_course.models.classic:build_itti_koch",
    "judd": "saliency_course.models.classic:build_judd",
    "framewise": "saliency_course.models.framewise:build_framewise",
    "aclnet": "saliency_course.models.aclnet:build_aclnet",
    "mlnet": "saliency_course.models.mlnet:build_mlnet",
    "salicon": "saliency_course.models.salicon_model:build_salicon",
    "bms": "saliency_course.models.bms:build_bms",
}


def list_models() -> list[str]:
    """The names :func:`build_model` knows, sorted."""
    return sorted(_MODELS)


def register_model(name: str, target: str, overwrite: bool = False) -> None:
    """Register ``name`` -> ``"package.module:builder"`` (imported only when built)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if not isinstance(target, str) or target.count(":") != 1:
        raise ValueError(f"target must look like 'package.module:builder', got {target!r}")
    if name in _MODELS and not overwrite and _MODELS[name] != target:
        raise ValueError(
            f"name {name!r} is already registered as {_MODELS[name]!r}; pass overwrite=True"
        )
    _MODELS[name] = target


def get_builder(name: str):
    """Import and return the builder function registered under ``name``."""
    if name not in _MODELS:
        raise ValueError(f"name must be one of {list_models()}, got {name!r}")
    module_name, attr = _MODELS[name].split(":")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ValueError(
            f"model {name!r} is registered as {_MODELS[name]!r} but {module_name} has no {attr!r}"
        ) from None


def build_model(name: str, pretrained: bool = True, **options: Any):
    """Build the model registered as ``name``.

    ``pretrained=True`` loads ImageNet backbones (torchvision weights API) and the
    official saliency weights where they exist; offline it raises
    :class:`saliency_course.errors.OfflineError` naming the file to fetch and where
    to put it. ``pretrained=False`` builds the same architecture with random weights.
    """
    model = get_builder(name)(pretrained=pretrained, **options)
    kind = getattr(model, "output_kind", None)
    if kind not in OUTPUT_KINDS:
        raise ValueError(
            f"model {name!r} must set output_kind to one of {OUTPUT_KINDS}, got {kind!r}"
        )
    return model
