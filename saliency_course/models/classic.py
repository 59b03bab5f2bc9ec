"""Classic saliency models and baselines behind the course's model interface.

Each builder returns a ``torch.nn.Module`` that takes an ImageNet-normalised
float batch ``(B, 3, H, W)`` and returns non-negative saliency maps
``(B, 1, H, W)`` (``output_kind = "saliency"``). The classic models work in
numpy on the un-normalised RGB intensities and are not differentiable.

* ``uniform`` — every pixel equally salient: the chance floor.
* ``center_bias`` — the cross-validated Gaussian KDE of training fixations in
  normalised image coordinates (:func:`saliency_course.maps.fit_center_bias`;
  Kümmerer, Wallis & Bethge, PNAS 2015). Fit it with ``dataset=`` or ``.fit``.
* ``spectral_residual`` — Hou & Zhang, CVPR 2007
  (:mod:`saliency_course.models.spectral_residual`).
* ``itti_koch`` — Itti, Koch & Niebur, TPAMI 1998
  (:mod:`saliency_course.models.itti_koch`).
* ``judd`` — a Judd, Ehinger, Durand & Torralba (ICCV 2009) linear model of
  low-, mid- and high-level features trained on fixations
  (:mod:`saliency_course.models.judd`). Fit it with ``dataset=`` or ``.fit``.

``pretrained`` is accepted so that every model builds the same way, but no
classic model has published weights to download: the two that learn
(``center_bias``, ``judd``) learn from the dataset you give them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..maps import CenterBias as _KDE
from ..maps import fit_center_bias
from .itti_koch import ensure_min_size, itti_koch_saliency
from .judd import (
    FEATURE_NAMES,
    SIZE,
    fit_logistic,
    judd_features,
    linear_map,
    sample_training_pixels,
)
from .predict import IMAGENET_MEAN, IMAGENET_STD
from .spectral_residual import WIDTH, spectral_residual_saliency

__all__ = [
    "CenterBiasModel",
    "ClassicModel",
    "IttiKochModel",
    "JuddModel",
    "SpectralResidualModel",
    "UniformModel",
    "build_center_bias",
    "build_itti_koch",
    "build_judd",
    "build_spectral_residual",
    "build_uniform",
    "to_rgb",
]


def to_rgb(batch: torch.Tensor) -> np.ndarray:
    """Undo ImageNet normalisation: ``(B, 3, H, W)`` -> float64 RGB ``(B, H, W, 3)`` in [0, 1]."""
    _check_batch(batch)
    mean = torch.tensor(IMAGENET_MEAN, dtype=batch.dtype, device=batch.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=batch.dtype, device=batch.device).view(1, 3, 1, 1)
    rgb = (batch.detach() * std + mean).clamp(0, 1)
    return rgb.permute(0, 2, 3, 1).double().cpu().numpy()


def _check_batch(batch) -> None:
    if not isinstance(batch, torch.Tensor) or batch.ndim != 4 or batch.shape[1] != 3:
        shape = tuple(batch.shape) if isinstance(batch, torch.Tensor) else type(batch).__name__
        raise ValueError(f"x must be a float tensor of shape (B, 3, H, W), got {shape}")
    if not batch.is_floating_point():
        raise ValueError(f"x must be a float tensor (ImageNet-normalised), got {batch.dtype}")


def _no_options(name: str, options: dict) -> None:
    if options:
        raise ValueError(f"{name} takes no options, got {sorted(options)}")


class ClassicModel(torch.nn.Module):
    """A numpy saliency model as a module: ``saliency(rgb)`` per image, resized to the input."""

    output_kind = "saliency"
    input_size: tuple[int, int] | None = None

    def saliency(self, rgb: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """The saliency map (any size) of one RGB image ``(H, W, 3)`` in [0, 1]."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = []
        for rgb in to_rgb(x):
            m = torch.from_numpy(np.ascontiguousarray(self.saliency(rgb), dtype=np.float64))
            m = F.interpolate(
                m[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False
            )
            maps.append(m[0].clamp_min(0))
        return torch.stack(maps).to(device=x.device, dtype=x.dtype)


class UniformModel(ClassicModel):
    """The same value everywhere: no model at all, the chance level of every metric."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_batch(x)
        return torch.ones_like(x[:, :1])


class SpectralResidualModel(ClassicModel):
    """Hou & Zhang (CVPR 2007): saliency from the spectral residual at ``width`` px wide."""

    def __init__(self, width: int = WIDTH) -> None:
        super().__init__()
        self.width = width

    def saliency(self, rgb: np.ndarray) -> np.ndarray:
        return spectral_residual_saliency(rgb, width=self.width)


class IttiKochModel(ClassicModel):
    """Itti, Koch & Niebur (TPAMI 1998) on images of ``input_size`` (the paper: 480x640)."""

    def __init__(self, input_size: tuple[int, int] = (480, 640)) -> None:
        super().__init__()
        self.input_size = tuple(input_size)

    def saliency(self, rgb: np.ndarray) -> np.ndarray:
        return itti_koch_saliency(ensure_min_size(rgb))


class CenterBiasModel(ClassicModel):
    """The centre bias of a dataset's training fixations, at any image size.

    Buffers ``points`` (normalised training fixations), ``bandwidth`` and
    ``eps`` hold the fit, so ``state_dict`` saves and restores it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("points", torch.zeros(0, 2, dtype=torch.float64))
        self.register_buffer("bandwidth", torch.tensor(0.0, dtype=torch.float64))
        self.register_buffer("eps", torch.tensor(0.0, dtype=torch.float64))

    @property
    def fitted(self) -> bool:
        return len(self.points) > 0

    def fit(self, dataset, indices: Sequence[int] | None = None, **options) -> CenterBiasModel:
        """Fit to the fixations of ``dataset`` on ``indices`` (default: its "train" split,
        else all images). ``options`` go to :func:`saliency_course.maps.fit_center_bias`.
        """
        indices = _training_indices(dataset, indices)
        fixations = dataset.fixations.for_image(indices)
        if len(fixations) == 0:
            raise ValueError(f"indices select images without fixations: {list(indices)[:10]}")
        kde = fit_center_bias(fixations, dataset.image_shapes, **options)
        self.points = torch.from_numpy(np.ascontiguousarray(kde.points))
        self.bandwidth = torch.tensor(kde.bandwidth, dtype=torch.float64)
        self.eps = torch.tensor(kde.eps, dtype=torch.float64)
        return self

    def density(self, shape: tuple[int, int]) -> np.ndarray:
        """The centre-bias density at ``shape=(H, W)``, summing to 1."""
        if not self.fitted:
            raise RuntimeError(
                "center_bias is not fitted: call .fit(dataset, indices) or build it with "
                "build_model('center_bias', dataset=...)"
            )
        bandwidth, eps = float(self.bandwidth), float(self.eps)
        kde = _KDE(
            self.points.cpu().numpy(), bandwidth, eps, (bandwidth,), (eps,), np.zeros((1, 1))
        )
        return kde.density(tuple(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_batch(x)
        density = torch.from_numpy(self.density(tuple(x.shape[-2:])))
        return density.to(device=x.device, dtype=x.dtype).expand(x.shape[0], 1, -1, -1).clone()

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        points = state_dict.get(prefix + "points")
        if points is not None:
            self.points = torch.empty_like(points)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


class JuddModel(ClassicModel):
    """Judd et al. (ICCV 2009): a linear classifier on 24 feature maps at 200x200.

    Buffers ``weight``, ``bias``, ``feature_mean``, ``feature_std`` hold the fit.
    ``feature_names`` says what each weight multiplies.
    """

    feature_names = FEATURE_NAMES

    def __init__(self) -> None:
        super().__init__()
        count = len(FEATURE_NAMES)
        self.register_buffer("weight", torch.zeros(count, dtype=torch.float64))
        self.register_buffer("bias", torch.tensor(0.0, dtype=torch.float64))
        self.register_buffer("feature_mean", torch.zeros(count, dtype=torch.float64))
        self.register_buffer("feature_std", torch.ones(count, dtype=torch.float64))
        self.register_buffer("n_training_images", torch.tensor(0))
        self.training_loss: float | None = None

    @property
    def fitted(self) -> bool:
        return int(self.n_training_images) > 0

    def fit(
        self,
        dataset,
        indices: Sequence[int] | None = None,
        n_positive: int = 10,
        n_negative: int = 10,
        l2: float = 1e-2,
        sigma_deg: float = 1.0,
        seed: int = 0,
        progress: bool = True,
    ) -> JuddModel:
        """Train on ``indices`` of ``dataset`` (default: its "train" split, else all images).

        Per image, ``n_positive`` pixels from the top 20 % and ``n_negative`` from
        the bottom 70 % of its density map (``sigma_deg``) at 200x200, as in Judd et al.
        """
        indices = _training_indices(dataset, indices)
        rng = np.random.default_rng(seed)
        rows, labels = [], []
        for i in tqdm(indices, desc="judd: features", disable=not progress):
            features = judd_features(dataset.image(int(i))).reshape(len(FEATURE_NAMES), -1)
            density = _resize_map(dataset.density_map(int(i), sigma_deg=sigma_deg), SIZE)
            positives, negatives = sample_training_pixels(density, n_positive, n_negative, rng=rng)
            rows += [features[:, positives].T, features[:, negatives].T]
            labels += [np.ones(len(positives)), np.zeros(len(negatives))]
        x, y = np.concatenate(rows), np.concatenate(labels)
        mean, std = x.mean(axis=0), x.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        w, b, loss = fit_logistic((x - mean) / std, y, l2=l2)
        self.weight = torch.from_numpy(w)
        self.bias = torch.tensor(b, dtype=torch.float64)
        self.feature_mean = torch.from_numpy(mean)
        self.feature_std = torch.from_numpy(std)
        self.n_training_images = torch.tensor(len(indices))
        self.training_loss = loss
        return self

    def saliency(self, rgb: np.ndarray) -> np.ndarray:
        if not self.fitted:
            raise RuntimeError(
                "judd is not trained: call .fit(dataset, indices) or build it with "
                "build_model('judd', dataset=...)"
            )
        return linear_map(
            judd_features(rgb),
            self.weight.cpu().numpy(),
            float(self.bias),
            self.feature_mean.cpu().numpy(),
            self.feature_std.cpu().numpy(),
        )


def _resize_map(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    tensor = torch.from_numpy(np.asarray(array, dtype=np.float64))[None, None]
    return F.interpolate(tensor, size=shape, mode="bilinear", align_corners=False)[0, 0].numpy()


def _training_indices(dataset, indices) -> np.ndarray:
    if indices is None:
        splits = getattr(dataset, "splits", {}) or {}
        indices = splits["train"] if "train" in splits else np.arange(len(dataset))
    indices = np.asarray(indices, dtype=np.int64).ravel()
    if indices.size == 0:
        raise ValueError("indices must name at least one training image, got none")
    if indices.min() < 0 or indices.max() >= len(dataset):
        raise ValueError(
            f"indices must lie in [0, {len(dataset) - 1}], got values in "
            f"[{indices.min()}, {indices.max()}]"
        )
    return indices


# -- builders (registered in saliency_course.models.registry) -------------------


def build_uniform(pretrained: bool = False, **options) -> UniformModel:
    """The uniform baseline (no options; ``pretrained`` has nothing to load)."""
    _no_options("uniform", options)
    return UniformModel()


def build_center_bias(
    pretrained: bool = False, dataset=None, indices=None, **fit_options
) -> CenterBiasModel:
    """The centre-bias baseline, fitted at once when ``dataset`` is given."""
    model = CenterBiasModel()
    if dataset is not None:
        model.fit(dataset, indices, **fit_options)
    elif indices is not None or fit_options:
        raise ValueError("indices and fit options need a dataset= to fit the centre bias on")
    return model


def build_spectral_residual(pretrained: bool = False, width: int = WIDTH) -> SpectralResidualModel:
    """Hou & Zhang's spectral residual (``width``: analysis width, 64 px in the paper)."""
    if not isinstance(width, int) or width < 8:
        raise ValueError(f"width must be an int >= 8, got {width!r}")
    return SpectralResidualModel(width)


def build_itti_koch(
    pretrained: bool = False, input_size: tuple[int, int] = (480, 640)
) -> IttiKochModel:
    """Itti-Koch-Niebur; ``predict`` feeds it images of ``input_size`` (480x640 in the paper)."""
    if len(input_size) != 2 or min(input_size) < 1:
        raise ValueError(f"input_size must be a pair (H, W) of positive ints, got {input_size!r}")
    return IttiKochModel(input_size)


def build_judd(pretrained: bool = False, dataset=None, indices=None, **fit_options) -> JuddModel:
    """The Judd-style linear model, trained at once when ``dataset`` is given
    (``fit_options``: ``n_positive``, ``n_negative``, ``l2``, ``sigma_deg``, ``seed``,
    ``progress``)."""
    model = JuddModel()
    if dataset is not None:
        model.fit(dataset, indices, **fit_options)
    elif indices is not None or fit_options:
        raise ValueError("indices and fit options need a dataset= to train the judd model on")
    return model
