"""Read and write Keras 1.x weight files (HDF5), and turn Theano kernels into PyTorch ones.

Keras 1.x (``keras/engine/topology.py``) saves weights with
``Model.save_weights`` -- or, through ``ModelCheckpoint``, with ``Model.save``,
which puts the same layout under a ``model_weights`` group -- as HDF5, whatever
the file's extension (ML-Net's ``mlnet_salicon_weights.pkl`` is one). The layout:

* the root (or ``model_weights``) attribute ``layer_names``: every layer of the
  model in its topological order, weightless layers included;
* one group per layer, named after it, whose attribute ``weight_names`` lists its
  weights in order (``<layer>_W``, ``<layer>_b`` for a convolution; ``param_<i>``
  for an unnamed weight such as a custom layer's), each stored as a dataset.

``Model.load_weights`` matches the layers *that have weights* in this order with
the model's, which is what :func:`read_keras_weights` returns.

With the Theano backend (``image_dim_ordering: "th"``) a ``Convolution2D`` kernel
has shape ``(out, in, rows, cols)`` and is applied by ``theano.tensor.nnet.conv2d``,
whose ``filter_flip=True`` default makes it a true convolution: Keras 1.x did not
turn the flip off. PyTorch correlates, so :func:`theano_kernel_to_torch` flips
both spatial axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

KerasLayer = tuple[str, list[tuple[str, np.ndarray]]]


def _names(attribute) -> list[str]:
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in attribute]


def read_keras_weights(path: str | Path) -> list[KerasLayer]:
    """``[(layer name, [(weight name, array), ...]), ...]`` for the layers with weights, in order.

    Accepts a ``save_weights`` file and a full ``Model.save`` file (``model_weights``
    group). Raises ``ValueError`` for an HDF5 file that is neither.
    """
    import h5py

    path = Path(path)
    try:
        handle = h5py.File(path, "r")
    except OSError as err:
        raise ValueError(f"weights file {path} must be a Keras HDF5 file: {err}") from None
    with handle as f:
        group = f
        if "layer_names" not in f.attrs and "model_weights" in f:
            group = f["model_weights"]
        if "layer_names" not in group.attrs:
            raise ValueError(
                f"weights file {path} must hold Keras 1.x weights (a 'layer_names' attribute), "
                f"got attributes {sorted(group.attrs)} and groups {sorted(group)}"
            )
        layers = []
        for name in _names(group.attrs["layer_names"]):
            weight_names = _names(group[name].attrs.get("weight_names", []))
            if weight_names:
                arrays = [(w, np.asarray(group[name][w])) for w in weight_names]
                layers.append((name, arrays))
        return layers


def write_keras_weights(
    path: str | Path, layers: Sequence[tuple[str, Sequence[tuple[str, np.ndarray]]]]
) -> Path:
    """Write ``layers`` in the Keras 1.x ``save_weights`` layout (atomically).

    ``layers`` lists every layer in topological order, ``(name, [(weight name,
    array), ...])``, with an empty list for a layer without weights. The inverse
    of :func:`read_keras_weights`, for exporting and for tests.
    """
    import h5py

    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with h5py.File(tmp, "w") as f:
        f.attrs["layer_names"] = [name.encode("utf8") for name, _ in layers]
        for name, weights in layers:
            group = f.create_group(name)
            group.attrs["weight_names"] = [w.encode("utf8") for w, _ in weights]
            for weight_name, array in weights:
                array = np.asarray(array)
                group.create_dataset(weight_name, data=array, dtype=array.dtype)
    tmp.replace(path)
    return path


def theano_kernel_to_torch(kernel: np.ndarray) -> np.ndarray:
    """A Theano-convolution kernel ``(out, in, rows, cols)`` as a PyTorch (correlation) kernel."""
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(f"kernel must have 4 dimensions (out, in, rows, cols), got {kernel.shape}")
    return np.ascontiguousarray(kernel[:, :, ::-1, ::-1])
