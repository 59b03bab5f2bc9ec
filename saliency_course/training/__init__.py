"""Training the course's deep models with each paper's recipe.

>>> from saliency_course.training import fit, get_recipe
>>> history = fit(model, "salgan_bce", train, val, epochs=3, run_name="my_salgan")  # doctest: +SKIP

* :func:`fit` (:mod:`.engine`): progress, validation, checkpoints and automatic
  resume under ``<data root>/runs/<run name>/``, mixed precision and
  ``channels_last`` on CUDA, DistributedDataParallel under ``torchrun``
  (:mod:`.distributed`).
* Recipes (:mod:`.recipes`): ``salnet``, ``salgan_bce``, ``salgan_gan``,
  ``deepgaze``, ``deepgaze1_l1``, ``deepgaze_finetune``, ``mlnet``,
  ``salicon_model``, ``deepfix``, and ``aclnet`` for video (:mod:`.video`);
  :func:`get_recipe`, :func:`list_recipes`, :func:`register_recipe`.
* :func:`kfold_splits` / :func:`fit_crossvalidated` (:mod:`.crossval`): the
  image-wise 10-fold protocol of DeepGaze II's MIT1003 fine-tuning.
* :func:`torch_splits` (a dataset's train/val splits as torch datasets),
  :func:`load_weights` (a finished run's weights into a model);
  :func:`saliency_course.viz.plot_history` draws ``fit``'s history.

From a shell: ``saliency-course train salgan --dataset salicon``; on several
GPUs: ``torchrun --nproc_per_node=4 -m saliency_course.cli train salgan --dataset salicon``.
"""

from . import video  # noqa: F401  (registers the "aclnet" clip recipe)
from .checkpoints import CheckpointError, load_weights, run_directory
from .crossval import fit_crossvalidated, kfold_splits
from .datasets import torch_splits
from .engine import fit, validate
from .recipes import (
    AdversarialRecipe,
    LogLikelihoodRecipe,
    Recipe,
    StepContext,
    get_recipe,
    list_recipes,
    register_recipe,
)

__all__ = [
    "AdversarialRecipe",
    "CheckpointError",
    "LogLikelihoodRecipe",
    "Recipe",
    "StepContext",
    "fit",
    "fit_crossvalidated",
    "get_recipe",
    "kfold_splits",
    "list_recipes",
    "load_weights",
    "register_recipe",
    "run_directory",
    "torch_splits",
    "validate",
]
