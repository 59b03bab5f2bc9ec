"""Read the learned blobs of a Caffe ``.caffemodel`` without Caffe.

A ``.caffemodel`` is a protobuf ``NetParameter``. This reader decodes just
enough of the protobuf wire format to collect, for each layer, its name and its
blobs as float32 arrays of the right shape. It handles the current format
(``layer``, field 100, with ``LayerParameter.blobs`` = field 7) and the legacy
one (``layers``, field 2, with ``V1LayerParameter.blobs`` = field 6), and blob
shapes given either as ``BlobShape`` (field 7) or as legacy num/channels/height/
width (fields 1-4). Field numbers follow ``caffe.proto`` of BVLC Caffe.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np

_NET_LAYER, _NET_LAYERS_V1 = 100, 2
_LAYER_NAME, _LAYER_BLOBS = 1, 7
_V1_NAME, _V1_BLOBS = 4, 6
_BLOB_LEGACY_DIMS = (1, 2, 3, 4)
_BLOB_DATA, _BLOB_SHAPE, _BLOB_DOUBLE_DATA = 5, 7, 8
_SHAPE_DIM = 1


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("caffemodel must be a complete protobuf, got a truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, int, object]]:
    """(field number, wire type, value) of one protobuf message, in order."""
    out = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"caffemodel must use protobuf wire types 0/1/2/5, got {wire}")
        if pos > len(buf):
            raise ValueError("caffemodel must be a complete protobuf, got a truncated field")
        out.append((field, wire, value))
    return out


def _blob(buf: bytes) -> np.ndarray:
    data: list[np.ndarray] = []
    shape: list[int] = []
    legacy = dict.fromkeys(_BLOB_LEGACY_DIMS, 1)
    for field, wire, value in _fields(buf):
        if field == _BLOB_DATA:
            data.append(np.frombuffer(value, "<f4"))  # packed, or one fixed32
        elif field == _BLOB_DOUBLE_DATA:
            data.append(np.frombuffer(value, "<f8").astype(np.float32))
        elif field == _BLOB_SHAPE:
            for sub_field, sub_wire, sub_value in _fields(value):
                if sub_field != _SHAPE_DIM:
                    continue
                if sub_wire == 0:
                    shape.append(sub_value)
                else:  # packed varints
                    pos = 0
                    while pos < len(sub_value):
                        dim, pos = _varint(sub_value, pos)
                        shape.append(dim)
        elif field in legacy and wire == 0:
            legacy[field] = value
    flat = np.concatenate(data) if data else np.zeros(0, np.float32)
    dims = tuple(shape) if shape else tuple(legacy[k] for k in _BLOB_LEGACY_DIMS)
    if int(np.prod(dims)) != flat.size:
        raise ValueError(f"caffemodel blob must hold prod{dims} values, got {flat.size}")
    return flat.reshape(dims).copy()


def read_caffemodel(
    path: str | Path, names: Collection[str] | None = None
) -> dict[str, list[np.ndarray]]:
    """``{layer name: [blob arrays]}`` of the layers of ``path`` that have blobs.

    ``names`` restricts the decoding to those layers (the others' blobs are skipped).
    """
    buf = memoryview(Path(path).read_bytes())  # slices of a memoryview are not copies
    layers: dict[str, list[np.ndarray]] = {}
    for field, wire, value in _fields(buf):
        if wire != 2 or field not in (_NET_LAYER, _NET_LAYERS_V1):
            continue
        name_field, blobs_field = (
            (_LAYER_NAME, _LAYER_BLOBS) if field == _NET_LAYER else (_V1_NAME, _V1_BLOBS)
        )
        sub_fields = _fields(value)
        name = next(
            (bytes(v).decode("utf-8") for f, w, v in sub_fields if f == name_field and w == 2), None
        )
        if name is None or (names is not None and name not in names):
            continue
        blobs = [_blob(v) for f, w, v in sub_fields if f == blobs_field and w == 2]
        if blobs:
            layers[name] = blobs
    return layers


def write_caffemodel(path: str | Path, layers: dict[str, list[np.ndarray]]) -> Path:
    """Write ``{layer name: blobs}`` as a ``NetParameter`` (current format, packed data).

    The inverse of :func:`read_caffemodel`, for exporting weights and for tests.
    """

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            byte = n & 0x7F
            n >>= 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)

    def field(number: int, payload: bytes) -> bytes:
        return varint(number << 3 | 2) + varint(len(payload)) + payload

    net = bytearray()
    for name, blobs in layers.items():
        layer = field(_LAYER_NAME, name.encode("utf-8"))
        for blob in blobs:
            blob = np.asarray(blob, dtype="<f4")
            dims = b"".join(varint(d) for d in blob.shape)
            shape = field(_SHAPE_DIM, dims)
            layer += field(
                _LAYER_BLOBS, field(_BLOB_SHAPE, shape) + field(_BLOB_DATA, blob.tobytes())
            )
        net += field(_NET_LAYER, layer)
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(bytes(net))
    tmp.replace(path)
    return path
