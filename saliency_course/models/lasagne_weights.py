"""Convert SalGAN's official Lasagne/Theano ``.npz`` weights to PyTorch and back.

The official files (``gen_modelWeights0090.npz``, ``discrim_modelWeights0090.npz``)
hold ``arr_0 ... arr_k``: every parameter of the network in Lasagne's order
(input to output; per layer ``W`` then ``b``; a weight-normalised layer gives the
convolution's ``W`` then the normalisation's ``b`` and ``g``). Two traps:

* Lasagne's ``Conv2DLayer`` defaults to ``flip_filters=True`` (true convolution);
  SalGAN's VGG-16 layers set ``flip_filters=False`` (cross-correlation, like
  PyTorch), its decoder and discriminator convolutions keep the default. Their
  kernels are therefore flipped in both spatial axes when converted.
* Lasagne's ``DenseLayer`` stores ``W`` as (in, out); PyTorch's ``Linear`` as
  (out, in).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch


def read_npz_arrays(path: str | Path) -> list[np.ndarray]:
    """The arrays ``arr_0, arr_1, ...`` of a Lasagne ``.npz``, in numeric order."""
    with np.load(path) as npz:
        names = sorted(npz.files, key=lambda n: int(re.fullmatch(r"arr_(\d+)", n).group(1)))
        return [npz[name] for name in names]


def write_npz_arrays(path: str | Path, arrays: Sequence[np.ndarray]) -> Path:
    """Write ``arrays`` as ``arr_0 ...`` (``numpy.savez``), atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part.npz")
    np.savez(tmp, *arrays)
    tmp.replace(path)
    return path


def _check_count(arrays: Sequence[np.ndarray], expected: int, what: str) -> None:
    if len(arrays) != expected:
        raise ValueError(f"{what} must hold {expected} Lasagne arrays, got {len(arrays)}")


def lasagne_to_state_dict(
    arrays: Sequence[np.ndarray], layout: Sequence[tuple[str, str, bool]], what: str
) -> dict[str, torch.Tensor]:
    """Map Lasagne ``arrays`` onto PyTorch keys.

    ``layout`` lists ``(pytorch key, kind, flip)`` in Lasagne order; ``kind`` is
    ``"conv"`` (kernel, flipped when ``flip``), ``"dense"`` (transposed) or
    ``"vector"``.
    """
    _check_count(arrays, len(layout), what)
    state = {}
    for array, (key, kind, flip) in zip(arrays, layout, strict=True):
        array = np.asarray(array, dtype=np.float32)
        if kind == "conv" and flip:
            array = array[..., ::-1, ::-1]
        elif kind == "dense":
            array = array.T
        state[key] = torch.from_numpy(array.copy())
    return state


def state_dict_to_lasagne(
    state: dict[str, torch.Tensor], layout: Sequence[tuple[str, str, bool]]
) -> list[np.ndarray]:
    """The inverse of :func:`lasagne_to_state_dict`: PyTorch tensors in Lasagne order and layout."""
    arrays = []
    for key, kind, flip in layout:
        array = state[key].detach().cpu().numpy().astype(np.float32)
        if kind == "conv" and flip:
            array = array[..., ::-1, ::-1]
        elif kind == "dense":
            array = array.T
        arrays.append(array.copy())
    return arrays
