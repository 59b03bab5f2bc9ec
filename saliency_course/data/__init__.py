"""Saliency datasets: a registry of loaders for the datasets of the course.

``load_dataset(name, root=None, download=True, **options)`` returns a dataset
object (see :class:`~saliency_course.data.base.SaliencyDataset`) read from the
dataset's **original files**, laid out under ``<root>/<name>/`` exactly as the
official download extracts. The registry maps each name to a
``"module:factory"`` string and imports that module only when the dataset is
loaded, so one loader's import problems never break another's.
"""

from __future__ import annotations

import importlib
import os
from inspect import signature

from .. import config

REGISTRY: dict[str, str] = {
    "osie": "saliency_course.data.osie:load_osie",
    "fixatons": "saliency_course.data.fixatons:load_fixatons",
    "mit1003": "saliency_course.data.mit1003:load_mit1003",
    "figrim": "saliency_course.data.figrim:load_figrim",
    "salicon": "saliency_course.data.salicon:load_salicon",
    "cat2000": "saliency_course.data.cat2000:load_cat2000",
    "mit300": "saliency_course.data.mit300:load_mit300",
    "toronto": "saliency_course.data.toronto:load_toronto",
    "isun": "saliency_course.data.isun:load_isun",
    "dhf1k": "saliency_course.data.video.dhf1k:load_dhf1k",
    "ucf_sports": "saliency_course.data.video.ucf_sports:load_ucf_sports",
    "hollywood2": "saliency_course.data.video.hollywood2:load_hollywood2",
}

__all__ = ["REGISTRY", "list_datasets", "load_dataset", "get_factory"]


def list_datasets() -> list[str]:
    """Names of the datasets :func:`load_dataset` knows, sorted."""
    return sorted(REGISTRY)


def get_factory(name: str):
    """The loader function registered for ``name`` (imports its module)."""
    if not isinstance(name, str) or name.lower() not in REGISTRY:
        raise ValueError(f"name must be one of {list_datasets()}, got {name!r}")
    module_name, factory = REGISTRY[name.lower()].split(":")
    return getattr(importlib.import_module(module_name), factory)


def load_dataset(
    name: str, root: str | os.PathLike | None = None, download: bool = True, **options
):
    """Load dataset ``name`` from ``<root>/<name>/``, downloading it first if needed.

    ``root`` defaults to :func:`saliency_course.config.data_root`. With
    ``download=False`` a missing file raises ``FileNotFoundError`` naming the
    expected path. ``options`` go to the dataset's loader (e.g.
    ``subset="SIENA12"`` for ``fixatons``, ``edition="2017"`` for ``salicon``);
    ``pixels_per_degree=`` overrides a dataset's viewing geometry, which for
    several datasets is an estimate (each loader's docstring says).
    """
    factory = get_factory(name)
    ppd = None
    if "pixels_per_degree" in options and "pixels_per_degree" not in signature(factory).parameters:
        ppd = options.pop("pixels_per_degree")
        if not (isinstance(ppd, (int, float)) and ppd > 0):
            raise ValueError(f"pixels_per_degree must be a positive number, got {ppd!r}")
    dataset = factory(root=config.data_root(root), download=download, **options)
    if ppd is not None:
        dataset.pixels_per_degree = float(ppd)
    return dataset
