"""The image-dataset type every loader returns.

A :class:`SaliencyDataset` is a list of stimulus files, one :class:`Fixations`
whose ``n`` is the image index, the viewing geometry (pixels per degree of
visual angle), named splits and a citation. Images are decoded on demand
(``uint8`` RGB, grey images made RGB); image sizes are read from the file
headers without decoding.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ..fixations import Fixations


def read_image(path: str | Path) -> np.ndarray:
    """Decode an image file to ``uint8`` RGB ``(H, W, 3)``; grey or RGBA become RGB."""
    path = Path(path)
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (OSError, SyntaxError) as err:
        raise ValueError(f"image file {path} could not be decoded: {err}") from err


def read_image_shape(path: str | Path) -> tuple[int, int]:
    """``(H, W)`` of an image file, read from its header only."""
    path = Path(path)
    try:
        with Image.open(path) as img:
            width, height = img.size
    except (OSError, SyntaxError) as err:
        raise ValueError(f"image file {path} could not be read: {err}") from err
    return height, width


def _check_indices(name: str, indices: Sequence[int], count: int) -> np.ndarray:
    array = np.asarray(indices, dtype=np.int64).reshape(-1)
    if array.size and (array.min() < 0 or array.max() >= count):
        raise ValueError(
            f"split {name!r} must hold image indices in [0, {count}), "
            f"got values from {array.min()} to {array.max()}"
        )
    return array


class Splits(dict):
    """Named image-index splits (``splits["train"]``) and, where a dataset has them,
    cross-validation folds: ``splits(fold=k)`` returns ``{"train", "val", "test"}``.

    ``folds`` lists the image indices of each fold, in the order the reference
    implementation uses them. As in pysaliency's ``crossval_split`` (used to
    train DeepGaze), fold ``k`` is the test set, fold ``k - 1`` (cyclically) the
    validation set and the other folds, in increasing fold order, the training
    set. Datasets without folds raise a ``ValueError`` for ``fold=``.
    """

    def __init__(
        self,
        splits: Mapping[str, Sequence[int]] | None = None,
        count: int | None = None,
        folds: Sequence[Sequence[int]] | None = None,
        folds_note: str = "",
    ) -> None:
        splits = dict(splits or {})
        if count is not None:
            splits = {name: _check_indices(name, v, count) for name, v in splits.items()}
        super().__init__(splits)
        self.folds = None
        if folds is not None:
            self.folds = [
                _check_indices(f"fold {k}", f, count) if count is not None else np.asarray(f)
                for k, f in enumerate(folds)
            ]
        self.folds_note = folds_note

    def __call__(self, fold: int) -> dict[str, np.ndarray]:
        """``{"train", "val", "test"}`` image indices of cross-validation fold ``fold``."""
        if not self.folds:
            raise ValueError(
                "fold= is only available for datasets with official cross-validation folds "
                "(MIT1003: DeepGaze's 10 folds); this dataset has the splits "
                f"{sorted(self)}, use splits[name]"
                + (f" ({self.folds_note})" if self.folds_note else "")
            )
        count = len(self.folds)
        if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)):
            raise ValueError(f"fold must be an int in [0, {count}), got {fold!r}")
        if not 0 <= fold < count:
            raise ValueError(f"fold must be in [0, {count}), got {fold}")
        val = (fold - 1) % count
        train = [self.folds[k] for k in range(count) if k not in (fold, val)]
        return {
            "train": np.concatenate(train) if train else np.zeros(0, dtype=np.int64),
            "val": self.folds[val].copy(),
            "test": self.folds[fold].copy(),
        }

    def remap(self, new_index: np.ndarray) -> Splits:
        """The splits after images are renumbered by ``new_index`` (``-1`` = dropped)."""

        def keep(indices: np.ndarray) -> np.ndarray:
            return new_index[indices[new_index[indices] >= 0]]

        return Splits(
            {name: keep(split) for name, split in self.items()},
            folds=None if self.folds is None else [keep(f) for f in self.folds],
            folds_note=self.folds_note,
        )


def _check_splits(splits: Mapping[str, Sequence[int]] | Splits, count: int) -> Splits:
    if isinstance(splits, Splits):
        return Splits(splits, count, splits.folds, splits.folds_note)
    return Splits(splits, count)


class SaliencyDataset:
    """Stimulus images with the fixations recorded on them.

    ``fixations.n`` indexes :attr:`image_paths`. Extra fixation sets (e.g.
    OSIE's mouse-tracking points) are attributes listed in
    :attr:`fixation_sets` and are re-indexed along with ``fixations`` by
    :meth:`subset`, as are the per-image lists named in :attr:`per_image`.
    """

    fixation_sets: tuple[str, ...] = ("fixations",)
    per_image: tuple[str, ...] = ()

    def __init__(
        self,
        name: str,
        image_paths: Sequence[str | Path],
        fixations: Fixations | None,
        pixels_per_degree: float,
        citation: str,
        splits: Mapping[str, Sequence[int]] | Splits | None = None,
        image_shapes: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        self.name = name
        self.image_paths = [Path(p) for p in image_paths]
        if fixations is not None and len(fixations) and fixations.n.max() >= len(self.image_paths):
            raise ValueError(
                f"fixations refer to image {fixations.n.max()} but {name} has "
                f"{len(self.image_paths)} images"
            )
        self._fixations = fixations
        if not pixels_per_degree > 0:
            raise ValueError(f"pixels_per_degree must be > 0, got {pixels_per_degree!r}")
        self.pixels_per_degree = float(pixels_per_degree)
        self.citation = citation
        self.splits = _check_splits(splits if splits is not None else {}, len(self.image_paths))
        if image_shapes is not None and len(image_shapes) != len(self.image_paths):
            raise ValueError(
                f"image_shapes must have one entry per image ({len(self.image_paths)}), "
                f"got {len(image_shapes)}"
            )
        self._shapes: list[tuple[int, int] | None] = (
            [tuple(s) for s in image_shapes] if image_shapes is not None else [None] * len(self)
        )

    # -- images ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.image_paths)

    def _check_index(self, i: int) -> int:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise ValueError(f"image index must be an int, got {type(i).__name__}")
        if not -len(self) <= i < len(self):
            raise ValueError(f"image index must be in [0, {len(self)}), got {i}")
        return int(i) % len(self)

    def image(self, i: int) -> np.ndarray:
        """Image ``i`` as ``uint8`` RGB ``(H, W, 3)``."""
        i = self._check_index(i)
        image = read_image(self.image_paths[i])
        self._shapes[i] = image.shape[:2]
        return image

    def image_shape(self, i: int) -> tuple[int, int]:
        """``(H, W)`` of image ``i`` (from the file header, no decoding)."""
        i = self._check_index(i)
        if self._shapes[i] is None:
            self._shapes[i] = read_image_shape(self.image_paths[i])
        return self._shapes[i]

    @property
    def image_shapes(self) -> list[tuple[int, int]]:
        """``(H, W)`` of every image."""
        return [self.image_shape(i) for i in range(len(self))]

    # -- fixations and maps -----------------------------------------------------
    @property
    def fixations(self) -> Fixations:
        """All fixations; ``n`` is the image index."""
        if self._fixations is None:
            raise ValueError(f"dataset {self.name!r} has no fixations (its test set is held out)")
        return self._fixations

    def fixation_map(self, i: int, counts: bool = False) -> np.ndarray:
        """``(H, W)`` map of image ``i``: 1 where someone fixated (or the count)."""
        from .. import maps

        i = self._check_index(i)
        return maps.fixation_map(self.fixations.for_image(i), self.image_shape(i), counts=counts)

    def density_map(
        self, i: int, sigma_deg: float | None = 1.0, sigma_px: float | None = None
    ) -> np.ndarray:
        """Gaussian density of image ``i``'s fixations (sums to 1); σ in degrees by default."""
        from .. import maps

        i = self._check_index(i)
        fixations = self.fixations.for_image(i)
        if sigma_px is not None:
            return maps.density_map(fixations, self.image_shape(i), sigma_px=sigma_px)
        return maps.density_map(
            fixations, self.image_shape(i), sigma_deg=sigma_deg, ppd=self.pixels_per_degree
        )

    # -- selection ----------------------------------------------------------------
    def subset(self, indices: Sequence[int] | np.ndarray) -> SaliencyDataset:
        """The same kind of dataset restricted to ``indices``, re-indexed ``0..k-1``."""
        indices = np.asarray(indices)
        if indices.dtype == bool:
            if indices.shape != (len(self),):
                raise ValueError(
                    f"a boolean subset mask must have shape ({len(self)},), got {indices.shape}"
                )
            indices = np.flatnonzero(indices)
        indices = indices.astype(np.int64).reshape(-1)
        if indices.size and (indices.min() < 0 or indices.max() >= len(self)):
            raise ValueError(f"subset indices must be in [0, {len(self)}), got {indices}")
        if len(np.unique(indices)) != len(indices):
            raise ValueError("subset indices must not repeat")
        new_index = np.full(len(self), -1, dtype=np.int64)
        new_index[indices] = np.arange(len(indices))
        other = copy.copy(self)
        other.image_paths = [self.image_paths[i] for i in indices]
        other._shapes = [self._shapes[i] for i in indices]
        for attr in self.per_image:
            values = getattr(self, attr)
            setattr(other, attr, [values[i] for i in indices])
        other.splits = self.splits.remap(new_index)
        for attr in self.fixation_sets:
            source = getattr(self, "_" + attr)
            if source is None:
                continue
            kept = source[np.isin(source.n, indices)]
            setattr(other, "_" + attr, _renumber(kept, new_index))
        return other

    def __repr__(self) -> str:
        fix = "no fixations" if self._fixations is None else f"{len(self._fixations)} fixations"
        splits = ", ".join(f"{k}: {len(v)}" for k, v in self.splits.items())
        return (
            f"{type(self).__name__}({self.name!r}, {len(self)} images, {fix}, "
            f"{self.pixels_per_degree:g} px/deg"
            + (f", splits {{{splits}}}" if splits else "")
            + ")"
        )


def _renumber(fixations: Fixations, new_index: np.ndarray) -> Fixations:
    return Fixations(
        x=fixations.x,
        y=fixations.y,
        n=new_index[fixations.n],
        subject=fixations.subject,
        t=fixations.t,
        duration=fixations.duration,
    )
