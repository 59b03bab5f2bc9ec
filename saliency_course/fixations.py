"""The :class:`Fixations` type shared by every layer of the package.

A structure of arrays (as in pysaliency's ``Fixations``): one entry per
fixation, with ``x``, ``y`` in pixels (0-based, ``x`` to the right, ``y`` down,
pixel centres at integers), ``n`` the image index in its dataset, ``subject``
the observer, and optionally ``t`` (onset, ms) and ``duration`` (ms).
Entries of one trial (image, subject) keep scanpath order.

Floats are ``float64`` and ids ``int64``, except that ``float32`` arrays and
narrower signed integer arrays are kept as they come: a loader of a very large
dataset (SALICON's mouse samples) passes them to halve its memory. Code that
needs a given precision casts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np

_OPTIONAL = ("t", "duration")


def _as_1d(name: str, values, dtype) -> np.ndarray:
    array = np.asarray(values)
    # float32 coordinates/times and narrow integer ids are kept (large datasets such as
    # SALICON's 337 M mouse samples); anything else becomes float64 / int64
    keep = (dtype is np.float64 and array.dtype == np.float32) or (
        dtype is np.int64 and array.dtype.kind == "i"
    )
    if not keep:
        array = np.asarray(values, dtype=dtype)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"Fixations.{name} must be 1-D, got shape {array.shape}")
    return array


@dataclass(frozen=True, eq=False)
class Fixations:
    """Fixations of many observers on many images, one array entry per fixation.

    >>> f = Fixations(x=[10.0, 20.0], y=[5.0, 6.0], n=[0, 1], subject=[3, 3])
    >>> len(f), len(f.for_image(1))
    (2, 1)
    """

    x: np.ndarray
    y: np.ndarray
    n: np.ndarray
    subject: np.ndarray
    t: np.ndarray | None = None
    duration: np.ndarray | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "x", _as_1d("x", self.x, np.float64))
        set_(self, "y", _as_1d("y", self.y, np.float64))
        set_(self, "n", _as_1d("n", self.n, np.int64))
        set_(self, "subject", _as_1d("subject", self.subject, np.int64))
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None:
                set_(self, name, _as_1d(name, value, np.float64))
        length = len(self.x)
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and len(value) != length:
                raise ValueError(f"Fixations.{f.name} has {len(value)} entries but x has {length}")
        for name in ("x", "y"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"Fixations.{name} contains NaN or infinite coordinates")
        if length and (self.n.min() < 0):
            raise ValueError("Fixations.n (image index) must be >= 0")

    # -- size and selection -------------------------------------------------
    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index) -> Fixations:
        """Select fixations with a boolean mask, an index array or a slice."""
        if isinstance(index, (int, np.integer)):
            index = [index]
        return Fixations(
            **{
                f.name: (None if getattr(self, f.name) is None else getattr(self, f.name)[index])
                for f in fields(self)
            }
        )

    def for_image(self, n: int | Sequence[int]) -> Fixations:
        """The fixations on image ``n`` (or on any of several images)."""
        return self[np.isin(self.n, np.atleast_1d(n))]

    def for_subject(self, subject: int | Sequence[int]) -> Fixations:
        """The fixations of observer ``subject`` (or of any of several observers)."""
        return self[np.isin(self.subject, np.atleast_1d(subject))]

    @property
    def images(self) -> np.ndarray:
        """Sorted indices of the images that have at least one fixation."""
        return np.unique(self.n)

    @property
    def subjects(self) -> np.ndarray:
        """Sorted ids of the observers present."""
        return np.unique(self.subject)

    def per_image(self, n_images: int | None = None) -> list[np.ndarray]:
        """A list whose entry ``i`` is an ``(k, 2)`` array of the ``(x, y)`` on image ``i``."""
        count = int(self.n.max()) + 1 if n_images is None and len(self) else (n_images or 0)
        order = np.argsort(self.n, kind="stable")
        xy = np.stack([self.x, self.y], axis=1)[order]
        bounds = np.searchsorted(self.n[order], np.arange(count + 1))
        return [xy[bounds[i] : bounds[i + 1]] for i in range(count)]

    def scanpaths(self) -> list[tuple[int, int, Fixations]]:
        """``(image, subject, fixations)`` for every trial, in scanpath order."""
        trials = np.unique(np.stack([self.n, self.subject], axis=1), axis=0)
        return [(int(n), int(s), self[(self.n == n) & (self.subject == s)]) for n, s in trials]

    def inside(self, shape: tuple[int, int]) -> np.ndarray:
        """Boolean mask of the fixations that fall inside an image of ``shape=(H, W)``.

        A pixel ``i`` covers ``[i - 0.5, i + 0.5)``, so the image spans
        ``[-0.5, W - 0.5)`` horizontally.
        """
        height, width = shape
        return (
            (self.x >= -0.5) & (self.x < width - 0.5) & (self.y >= -0.5) & (self.y < height - 0.5)
        )

    @classmethod
    def empty(cls) -> Fixations:
        return cls(x=[], y=[], n=[], subject=[])

    @classmethod
    def concatenate(cls, parts: Iterable[Fixations]) -> Fixations:
        """Join several ``Fixations``; optional fields survive only if all parts have them."""
        parts = list(parts)
        if not parts:
            return cls.empty()
        data = {}
        for f in fields(cls):
            values = [getattr(p, f.name) for p in parts]
            if any(v is None for v in values):
                if f.name not in _OPTIONAL:
                    raise ValueError(f"cannot concatenate: a part lacks {f.name}")
                data[f.name] = None
            else:
                data[f.name] = np.concatenate(values)
        return cls(**data)

    def __repr__(self) -> str:
        extra = [name for name in _OPTIONAL if getattr(self, name) is not None]
        return (
            f"Fixations({len(self)} fixations, {len(self.images)} images, "
            f"{len(self.subjects)} subjects" + (f", with {'/'.join(extra)}" if extra else "") + ")"
        )
