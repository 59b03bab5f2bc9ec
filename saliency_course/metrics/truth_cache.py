"""The ground truth a dataset's images are scored against, built once and cached.

For every image the MIT benchmark (Bylinskii et al., TPAMI 2018) compares a
saliency map with:

* the **fixated pixels** (the dataset's binary fixation map);
* the **density map** (the dataset's Gaussian of ``sigma_deg`` degrees);
* the **other map** of sAUC: the fixations of ``n_other = 10`` other images
  (Borji et al. used M = 10), drawn without replacement from every other image
  with fixations by a generator seeded with ``(seed, image)``, their
  coordinates scaled to this image's size;
* the **baseline** of information gain, by default a centre bias
  (:func:`saliency_course.maps.fit_center_bias`) fitted on the fixations of
  the images in *other* folds (:class:`CenterBiasBaseline`), so an image never
  helps predict itself.

:func:`ground_truth` returns the :class:`GroundTruth` of a dataset and these
settings, shared by every caller in the process (``evaluate``,
``inter_observer``, the benchmark, the notebooks). Each part of each image is
built on first use and kept in memory (up to :data:`MEMORY_BUDGET` bytes per
dataset and setting, about 40 images of 768 x 1024 with what the metrics
derive from them); with ``cache=True`` it is also written
to disk, under ``config.data_root()/cache/ground_truth/`` (see
:func:`cache_directory`), so a later session reads it back instead of
rebuilding it. The folder names hold the whole key: the dataset's identity
(name, number of images, a SHA-1 fingerprint of its fixations and viewing
geometry), the package version, then sigma, seed and ``n_other``; inside, one
file per image and part (``<image>.density.npy``, ...): no part depends on
which other images are scored, so any split reuses what another split built. Files are written to a
temporary name and renamed, so a crash never leaves half a file behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..fixations import Fixations
from .inputs import Density, Fixated, Prepared, SaliencyMap
from .location import baseline_bits
from .scoring import ImageTruth

__all__ = [
    "N_OTHER",
    "CenterBiasBaseline",
    "GroundTruth",
    "ShapeBaseline",
    "cache_directory",
    "clear_memory_cache",
    "dataset_identity",
    "ground_truth",
    "other_fixation_map",
]

N_OTHER = 10
#: How many :class:`GroundTruth` objects (datasets x settings) stay in memory.
SHARED_SIZE = 4
#: Bytes of images' ground truth one :class:`GroundTruth` keeps in memory (least recently
#: used images beyond it are forgotten and read back from disk when needed again).
MEMORY_BUDGET = 2**30


def cache_directory(cache: bool | str | os.PathLike = True) -> Path | None:
    """Where ground truth is cached on disk: ``None`` (memory only), a folder, or the default.

    ``True`` means ``config.data_root()/cache/ground_truth`` (so
    ``$SALIENCY_COURSE_DATA`` moves it); ``False`` keeps it in memory only.
    """
    from .. import config

    if cache is False or cache is None:
        return None
    if cache is True:
        return config.data_root() / "cache" / "ground_truth"
    return Path(cache).expanduser()


def dataset_identity(dataset) -> str:
    """A folder-safe name of a dataset's content: name, image count and a fingerprint.

    The fingerprint is a SHA-1 of the fixations (``x``, ``y``, ``n``,
    ``subject``), the pixels per degree and the dataset's type, so changed
    fixations (another loader option, a subset) give another identity.
    """
    fixations: Fixations = dataset.fixations
    digest = hashlib.sha1()
    for array in (fixations.x, fixations.y, fixations.n, fixations.subject):
        digest.update(np.ascontiguousarray(array).tobytes())
    ppd = getattr(dataset, "pixels_per_degree", None)
    digest.update(f"{type(dataset).__name__}|{ppd!r}".encode())
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", str(getattr(dataset, "name", "dataset")))
    return f"{name}-{len(dataset)}images-{digest.hexdigest()[:16]}"


def _write_atomically(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False)
    try:
        with handle:
            np.save(handle, array, allow_pickle=False)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


class _DiskStore:
    """One folder of ``.npy`` files; unreadable files are rebuilt, unwritable folders skipped."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._warned = False

    def load(self, name: str) -> np.ndarray | None:
        if self.directory is None:
            return None
        path = self.directory / f"{name}.npy"
        try:
            return np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError):  # damaged: rebuild and overwrite
            return None

    def save(self, name: str, array: np.ndarray) -> None:
        if self.directory is None:
            return
        try:
            _write_atomically(self.directory / f"{name}.npy", array)
        except OSError as error:
            if not self._warned:
                warnings.warn(
                    f"ground-truth cache {self.directory} is not writable ({error}); "
                    "keeping the ground truth in memory only",
                    stacklevel=3,
                )
                self._warned = True
            self.directory = None


def _fixations_by_image(fixations: Fixations) -> Callable[[int], Fixations]:
    """``j -> fixations of image j`` (scanpath order kept), from one stable sort."""
    order = np.argsort(fixations.n, kind="stable")
    sorted_n = fixations.n[order]

    def of(j: int) -> Fixations:
        start, stop = np.searchsorted(sorted_n, [j, j + 1])
        return fixations[order[start:stop]]

    return of


def _other_pixels(
    dataset,
    i: int,
    n_other: int,
    seed: int,
    pool,
    fixations_of: Callable[[int], Fixations],
    with_fixations: np.ndarray,
) -> np.ndarray:
    """Sorted flat indices of the pixels of image ``i`` fixated on ``n_other`` other images."""
    from ..maps import fixated_pixels

    height, width = dataset.image_shape(i)
    candidates = np.setdiff1d(np.arange(len(dataset)) if pool is None else np.asarray(pool), [i])
    candidates = np.intersect1d(candidates, with_fixations)
    rng = np.random.default_rng([seed, int(i)])
    chosen = rng.choice(candidates, size=min(n_other, candidates.size), replace=False)
    points = []
    for j in chosen:
        fixations = fixations_of(int(j))
        h, w = dataset.image_shape(int(j))
        x = (fixations.x + 0.5) * width / w - 0.5
        y = (fixations.y + 0.5) * height / h - 0.5
        points.append(np.stack([x, y], axis=1))
    xy = np.concatenate(points) if points else np.zeros((0, 2))
    return np.unique(fixated_pixels(xy, (height, width)))


def other_fixation_map(
    dataset, i: int, n_other: int = N_OTHER, seed: int = 0, pool: Sequence[int] | None = None
) -> np.ndarray:
    """Fixated pixels of ``n_other`` other images (of ``pool``, default all) at image ``i``'s size.

    The images are drawn without replacement by a generator seeded with
    ``(seed, i)``; each fixation keeps its relative position,
    ``x' = (x + 0.5) W_i / W_j - 0.5``. Returns a binary ``(H, W)`` map.
    """
    fixations = dataset.fixations
    pixels = _other_pixels(dataset, i, n_other, seed, pool, fixations.for_image, fixations.images)
    height, width = dataset.image_shape(i)
    result = np.zeros(height * width)
    result[pixels] = 1.0
    return result.reshape(height, width)


class CenterBiasBaseline:
    """Centre bias of each image fitted on the fixations of the images in other folds.

    The dataset's images are split into ``folds`` folds by a permutation seeded
    with ``seed``; image ``i`` gets the cross-validated KDE fitted on every
    fold but its own, evaluated at its size. The maps of the last few
    ``(fold, size)`` pairs are kept. With ``directory``, each fold's
    cross-validated choice (bandwidth, uniform weight and the scores of the
    search) is stored there, so a later session skips the search.
    """

    _MAPS_KEPT = 4

    def __init__(
        self, dataset, folds: int = 5, seed: int = 0, directory: str | os.PathLike | None = None
    ) -> None:
        if not isinstance(folds, int) or folds < 2 or folds > len(dataset):
            raise ValueError(f"folds must be an int in [2, {len(dataset)}], got {folds!r}")
        self.dataset = dataset
        self.folds = folds
        self.seed = seed
        self.fold = np.random.default_rng(seed).permutation(len(dataset)) % folds
        self._models: dict[int, object] = {}
        self._maps: OrderedDict[tuple[int, tuple[int, int]], np.ndarray] = OrderedDict()
        self._store = _DiskStore(None if directory is None else Path(directory))

    def _model(self, fold: int):
        from ..maps import fit_center_bias

        if fold not in self._models:
            fixations: Fixations = self.dataset.fixations
            train = fixations[self.fold[fixations.n] != fold]
            shapes = self.dataset.image_shapes
            inner_folds = min(5, len(train.images))  # cross-validation over training images
            stored = self._store.load(f"fold{fold}")
            if stored is None:
                model = fit_center_bias(train, shapes, folds=inner_folds, seed=self.seed)
                self._store.save(f"fold{fold}", _choice_record(model))
            else:
                model = _model_from_record(stored, train, shapes)
            self._models[fold] = model
        return self._models[fold]

    def group(self, i: int) -> tuple[int, tuple[int, int]]:
        """Images of one group share a baseline map: ``(fold, size)``."""
        return int(self.fold[i]), tuple(self.dataset.image_shape(i))

    def __call__(self, i: int) -> np.ndarray:
        key = self.group(i)
        if key not in self._maps:
            self._maps[key] = self._model(key[0]).density(key[1])
            while len(self._maps) > self._MAPS_KEPT:
                self._maps.popitem(last=False)
        self._maps.move_to_end(key)
        return self._maps[key]


def _choice_record(model) -> np.ndarray:
    """A fitted centre bias's search as one float array: sizes, grids, scores, choice."""
    b, e = np.asarray(model.bandwidths), np.asarray(model.epsilons)
    head = [len(b), len(e), model.bandwidth, model.eps]
    return np.concatenate([head, b, e, np.asarray(model.scores).ravel()])


def _model_from_record(record: np.ndarray, train: Fixations, shapes):
    """The centre bias a :func:`_choice_record` describes, refitted without the search."""
    from ..maps import fit_center_bias

    n_b, n_e = int(record[0]), int(record[1])
    bandwidth, eps = float(record[2]), float(record[3])
    bandwidths = tuple(float(v) for v in record[4 : 4 + n_b])
    epsilons = tuple(float(v) for v in record[4 + n_b : 4 + n_b + n_e])
    scores = record[4 + n_b + n_e :].reshape(n_b, n_e)
    model = fit_center_bias(train, shapes, bandwidths=(bandwidth,), epsilons=(eps,))
    return replace(model, bandwidths=bandwidths, epsilons=epsilons, scores=scores)


class ShapeBaseline:
    """A baseline that depends on the image size only: ``density(shape) -> map``.

    Wraps a function of the shape, for :func:`evaluate`; anything with a
    ``density`` method (a fitted :class:`saliency_course.maps.CenterBias`, the
    ``center_bias`` model) is taken as such directly. Images of one size
    share one map.
    """

    def __init__(self, density: Callable[[tuple[int, int]], np.ndarray]) -> None:
        self.density = density


class GroundTruth:
    """The ground truth of one dataset for one setting of sigma, seed and ``n_other``.

    Get it with :func:`ground_truth` (shared); :meth:`image` returns an image's
    :class:`~saliency_course.metrics.scoring.ImageTruth` with the parts asked
    for, :meth:`baseline_bits` the information-gain baseline at its fixated
    pixels. A baseline object (a model, a function) is assumed not to change
    while its values are cached.
    """

    _OBJECTS_KEPT = 8

    def __init__(
        self,
        dataset,
        sigma_deg: float | None = 1.0,
        n_other: int = N_OTHER,
        seed: int = 0,
        cache: bool | str | os.PathLike = True,
    ) -> None:
        from .. import __version__

        if sigma_deg is not None and not (np.isfinite(sigma_deg) and sigma_deg > 0):
            raise ValueError(f"sigma_deg must be a positive number of degrees, got {sigma_deg!r}")
        if isinstance(n_other, bool) or not isinstance(n_other, (int, np.integer)) or n_other < 1:
            raise ValueError(f"n_other must be a positive int, got {n_other!r}")
        self.dataset = dataset
        self.sigma_deg, self.n_other, self.seed = sigma_deg, int(n_other), seed
        self.identity = dataset_identity(dataset)
        self.settings = f"sigma{sigma_deg!r}-seed{seed!r}-other{self.n_other}".replace(" ", "")
        root = cache_directory(cache)
        self.directory = None if root is None else root / self.identity / f"v{__version__}"
        self._store = _DiskStore(None if root is None else self.directory / self.settings)
        self._images: OrderedDict[int, dict[str, Prepared]] = OrderedDict()
        self._sizes: dict[int, int] = {}
        self._last: int | None = None
        self._bits: dict[tuple[object, int], np.ndarray] = {}
        self._baselines: dict[object, CenterBiasBaseline] = {}
        self._objects: OrderedDict[tuple[str, int], object] = OrderedDict()
        self._fixations_of = _fixations_by_image(dataset.fixations)
        self._with_fixations = dataset.fixations.images

    # -- the parts of one image ------------------------------------------------------------
    def _part(self, i: int, name: str, make, build: Callable[[], np.ndarray]):
        """Part ``name`` of image ``i``: from memory, else from disk, else built (and saved)."""
        parts = self._images.setdefault(int(i), {})
        if name not in parts:
            array = self._store.load(f"{i}.{name}")
            if array is None:
                array = build()
                self._store.save(f"{i}.{name}", array)
            parts[name] = make(array)
        return parts[name]

    def _keep(self, i: int) -> None:
        """Mark image ``i`` as just used; forget the least recently used beyond the budget."""
        self._images.move_to_end(i)
        for j in {i, self._last} & set(self._images):  # the last one has grown since
            self._sizes[j] = sum(part.nbytes for part in self._images[j].values())
        self._last = i
        while sum(self._sizes.values()) > MEMORY_BUDGET and len(self._images) > 1:
            oldest, _ = self._images.popitem(last=False)
            self._sizes.pop(oldest, None)

    def fixated(self, i: int) -> Fixated:
        """The fixated pixels of image ``i`` (the dataset's fixation map)."""
        from ..data.base import SaliencyDataset
        from ..maps import fixated_pixels

        shape = tuple(self.dataset.image_shape(i))

        def build():
            if type(self.dataset).fixation_map is SaliencyDataset.fixation_map:
                # what that method computes, without a full-size map
                return np.unique(fixated_pixels(self.fixations_of(i), shape))
            return np.flatnonzero(self.dataset.fixation_map(i))

        return self._part(i, "fixated", lambda a: Fixated(a, shape), build)

    def density(self, i: int) -> Density:
        """The density map of image ``i`` (the dataset's, at ``sigma_deg``)."""
        options = {} if self.sigma_deg is None else {"sigma_deg": self.sigma_deg}
        return self._part(i, "density", Density, lambda: self.dataset.density_map(i, **options))

    def others(self, i: int) -> Fixated:
        """sAUC's negatives for image ``i``: pixels fixated on ``n_other`` other images."""

        def build():
            return _other_pixels(
                self.dataset,
                i,
                self.n_other,
                self.seed,
                None,
                self._fixations_of,
                self._with_fixations,
            )

        shape = tuple(self.dataset.image_shape(i))
        return self._part(i, "others", lambda a: Fixated(a, shape), build)

    def image(self, i: int, needs: set[str]) -> ImageTruth:
        """Image ``i``'s ground truth for metrics that need ``needs`` (``METRICS[m].needs``)."""
        i = int(i)
        truth = ImageTruth(fixated=self.fixated(i))
        if truth.fixated.size > 0:
            if "density" in needs:
                truth.density = self.density(i)
            if "fixations+other" in needs:
                truth.others = self.others(i)
        self._keep(i)
        return truth

    def fixations_of(self, i: int) -> Fixations:
        """The fixations on image ``i``, in scanpath order."""
        return self._fixations_of(int(i))

    # -- the information-gain baseline -----------------------------------------------------
    def center_bias(self, folds: int = 5, seed: int = 0) -> CenterBiasBaseline:
        """The cross-validated centre bias (:class:`CenterBiasBaseline`), one per setting."""
        key = ("center_bias", folds, seed)
        if key not in self._baselines:
            directory = None
            if self.directory is not None:
                directory = self.directory / f"center_bias-folds{folds}-seed{seed}"
            self._baselines[key] = CenterBiasBaseline(self.dataset, folds, seed, directory)
        return self._baselines[key]

    def _baseline_source(self, baseline, folds: int, seed: int):
        """``(key, group(i), map(i))`` of a baseline given as :func:`evaluate` accepts it."""
        if isinstance(baseline, str):
            if baseline != "center_bias":
                raise ValueError(
                    f"baseline must be 'center_bias', a map, a callable or None, got {baseline!r}"
                )
            baseline = self.center_bias(folds, seed)
            return ("center_bias", folds, seed), baseline.group, baseline
        if isinstance(baseline, CenterBiasBaseline):
            return self._hold(baseline), baseline.group, baseline
        if callable(getattr(baseline, "density", None)):
            shape_of = self.dataset.image_shape
            return (
                self._hold(baseline),
                lambda i: tuple(shape_of(i)),
                lambda i: baseline.density(shape_of(i)),
            )
        if callable(baseline):
            return self._hold(baseline), int, lambda i: baseline(self.dataset.image(i))
        array = np.asarray(baseline)
        if array.ndim != 2:
            raise ValueError(f"baseline must be a 2-D map, got shape {array.shape}")
        key = ("array", hashlib.sha1(np.ascontiguousarray(array).tobytes()).hexdigest())
        return key, lambda i: 0, lambda i: array

    def _hold(self, baseline) -> tuple[str, int]:
        """A cache key for a baseline object; the object is held so that its id stays its own.

        The last :data:`_OBJECTS_KEPT` objects are held; the bits of older ones are forgotten.
        """
        key = ("object", id(baseline))
        self._objects[key] = baseline
        self._objects.move_to_end(key)
        while len(self._objects) > self._OBJECTS_KEPT:
            old, _ = self._objects.popitem(last=False)
            self._bits = {k: v for k, v in self._bits.items() if k[0] != old}
        return key

    def baseline_maps(
        self, indices: Sequence[int], baseline, folds: int = 5, seed: int = 0, progress=False
    ) -> Iterator[tuple[int, SaliencyMap]]:
        """``(i, baseline map of image i)`` for each of ``indices``, grouped by map.

        Images sharing a map (same fold and size of the centre bias, same size
        of a :class:`ShapeBaseline`) come one after the other, so each map is
        built once and only one is held.
        """
        from tqdm.auto import tqdm

        key, group, make = self._baseline_source(baseline, folds, seed)
        order = sorted((int(i) for i in indices), key=lambda i: (repr(group(i)), i))
        current, prepared = None, None
        for i in tqdm(order, desc="baseline", disable=not progress, leave=False):
            if prepared is None or group(i) != current:
                current = group(i)
                prepared = SaliencyMap(make(i), "baseline_map")
            yield i, prepared

    def baseline_bits(
        self, indices: Sequence[int], baseline, folds: int = 5, seed: int = 0, progress=False
    ) -> dict[int, np.ndarray]:
        """``log2(eps + B)`` at the fixated pixels of each image (IG's baseline term), cached."""
        key = self._baseline_source(baseline, folds, seed)[0]
        missing = [
            int(i)
            for i in indices
            if (key, int(i)) not in self._bits and self.fixated(int(i)).size > 0
        ]
        if missing:
            maps = self.baseline_maps(missing, baseline, folds, seed, progress)
            for i, prepared in maps:
                self._bits[(key, i)] = baseline_bits(prepared, self.fixated(i))
        return {int(i): self._bits[(key, int(i))] for i in indices if (key, int(i)) in self._bits}


_SHARED: OrderedDict[tuple, GroundTruth] = OrderedDict()


def ground_truth(
    dataset,
    sigma_deg: float | None = 1.0,
    n_other: int = N_OTHER,
    seed: int = 0,
    cache: bool | str | os.PathLike = True,
) -> GroundTruth:
    """The shared :class:`GroundTruth` of ``dataset`` for these settings.

    The same dataset content (see :func:`dataset_identity`) and settings give
    the same object, so every caller reuses what another built; the last
    :data:`SHARED_SIZE` are kept.
    """
    root = cache_directory(cache)
    key = (dataset_identity(dataset), sigma_deg, n_other, seed, str(root))
    if key not in _SHARED:
        _SHARED[key] = GroundTruth(dataset, sigma_deg, n_other, seed, cache)
        while len(_SHARED) > SHARED_SIZE:
            _SHARED.popitem(last=False)
    _SHARED.move_to_end(key)
    return _SHARED[key]


def clear_memory_cache() -> None:
    """Forget every :class:`GroundTruth` held in memory (the disk cache stays)."""
    _SHARED.clear()
