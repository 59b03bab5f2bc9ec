"""ML-Net, the multi-level network with a learned prior (Cornia et al., ICPR 2016).

M. Cornia, L. Baraldi, G. Serra, R. Cucchiara. "A Deep Multi-Level Network for
Saliency Prediction", ICPR 2016, arXiv:1609.01064. Official code (Keras 1.1,
Theano backend): github.com/marcellacornia/mlnet (``model.py``,
``eltwise_product.py``, ``utilities.py``, ``main.py``, ``config.py``). Where
the paper's text was not available to us, the layers follow that code:

=================  ==========================================================  ========
block              layers (3x3 convolutions, 'same' padding, ReLU)             stride
=================  ==========================================================  ========
conv1-conv3        VGG-16 conv1_1 ... conv3_3, a 2x2 max-pool after each block  8
conv4              conv4_1 ... conv4_3, then a 2x2 max-pool with **stride 1**    8
conv5              conv5_1 ... conv5_3                                          8
concatenation      pool3 (256) + pool4 (512) + conv5_3 (512) = 1,280 channels   8
encoding           dropout 0.5, 3x3 conv 64 + ReLU, 1x1 conv 1 + ReLU           8
prior              output * (1 + W up-sampled x10), then ReLU; W is 6 x 8      8
=================  ==========================================================  ========

**15,452,145 parameters**: VGG-16's convolutions 14,714,688, encoding 737,409
(3x3x1280x64 + 64 and 64 + 1) and the prior's 48.

Details of the code we reproduce:

* **Pooling.** Keras 1.x with Theano implements ``MaxPooling2D(border_mode='same')``
  with a 2x2 window by padding one zero row and column on *both* sides and
  keeping the first ``ceil(n / stride)`` outputs, so each window covers pixels
  ``(2k - 1, 2k)`` -- shifted one pixel up and left of the usual pooling (Keras
  issue #6936). The inputs are ReLU outputs, so the zero padding never wins.
* **Prior.** ``EltWiseProduct`` multiplies the map by ``1 + W``, ``W`` (zeros at
  start) up-sampled x10 with Theano's ``bilinear_upsampling``: replicate the
  border, transposed-convolve with the triangle ``[1, 2, ..., 10, ..., 1] / 10``,
  crop. Input cell ``j`` lands on output pixel ``10 j + 4`` (not ``10 j + 4.5``).
  :func:`theano_bilinear_matrix` reproduces it exactly for a x10 ratio; at other
  input sizes (other than 480 x 640) the same rule maps the 6 x 8 prior onto the
  feature map (the Keras layer would instead change W's shape).
* **Input.** The code letterboxes every image into 480 x 640 (``utilities.padding``:
  resize keeping the aspect ratio, centre, pad with black), makes it BGR and
  subtracts the VGG mean (103.939, 116.779, 123.68) -- no scaling. Here
  :meth:`MLNet.forward` letterboxes any input that is not ``canvas``-sized and
  crops the output to the image's part, so ``predict`` (which feeds the image at
  its own size, ``input_size = None``) gets the official framing. A model loaded
  from the official weights sets ``caffe_input = True`` (saved with its weights)
  and converts the package's ImageNet-normalised RGB input to the code's
  BGR-minus-mean input inside ``forward``. The output is 1/8 of the canvas
  (60 x 80); ``postprocess`` scales it to a maximum of 255 as
  ``postprocess_predictions`` does (no blur).
* **Weights.** ``weights="official"`` loads ``mlnet_salicon_weights.pkl`` (SALICON,
  linked from the README): despite its name it is the HDF5 file that Keras 1.1's
  ``ModelCheckpoint`` writes, read by :mod:`.keras_weights`; its 3x3 kernels were
  used by Theano's true convolution and are flipped for PyTorch.
  ``weights="imagenet"`` loads torchvision's VGG-16 (ImageNet-normalised RGB
  input; the code used a Caffe-converted VGG-16 with BGR input) and leaves the
  encoding (Glorot-normal, as the code) and the prior (zeros) to train; every
  layer is trained. ``pretrained=False`` initialises the VGG part as torchvision
  does (Kaiming-normal, fan-out).

The training loss and optimiser are the recipe ``mlnet`` in
:mod:`saliency_course.training.recipes`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .backbones import (
    VGG16_TABLE,
    CaffeInput,
    conv3x3_layers,
    fetch_weights,
    imagenet_to_caffe,
    load_imagenet_vgg16,
)
from .keras_weights import read_keras_weights, theano_kernel_to_torch
from .predict import IMAGENET_MEAN, IMAGENET_STD

WEIGHTS_FILE = "mlnet_salicon_weights.pkl"
WEIGHTS_DRIVE_ID = "0B3ZguV08iwjsOGFEWlRfZkVqaWs"
WEIGHTS_RESOURCE_KEY = "0-qNclY0CYQk2R8xaS2HuAaA"
WEIGHTS_URL = (
    f"https://drive.usercontent.google.com/download?id={WEIGHTS_DRIVE_ID}"
    f"&export=download&confirm=t&resourcekey={WEIGHTS_RESOURCE_KEY}"
)
CANVAS = (480, 640)
STRIDE = 8
PRIOR_FACTOR = 10
PRIOR_SHAPE = (CANVAS[0] // STRIDE // PRIOR_FACTOR, CANVAS[1] // STRIDE // PRIOR_FACTOR)  # 6 x 8

# Max-pools (2x2, Theano 'same') follow these VGG-16 convs (VGG16_TABLE) with these strides.
POOL_STRIDE = {"conv1_2": 2, "conv2_2": 2, "conv3_3": 2, "conv4_3": 1}
FEATURE_LAYERS = ("conv3_3", "conv4_3", "conv5_3")  # pool3, pool4, conv5_3 are concatenated


def theano_same_max_pool(x: torch.Tensor, stride: int) -> torch.Tensor:
    """Keras 1.x/Theano ``MaxPooling2D((2, 2), strides, border_mode='same')``.

    Window ``k`` covers pixels ``stride * k - 1`` and ``stride * k`` (pixel -1 is a zero pad).
    """
    return F.max_pool2d(F.pad(x, (1, 0, 1, 0)), 2, stride)


def theano_bilinear_matrix(n: int, size: int) -> torch.Tensor:
    """``(size, n)`` matrix of Theano's ``bilinear_upsampling`` along one axis (exact for x10).

    Output pixel ``p`` reads the input at ``u = (p + 1) n / size - 1/2`` with linear
    interpolation and the border replicated.
    """
    if n < 1 or size < 1:
        raise ValueError(f"n and size must be >= 1, got {n} and {size}")
    u = ((torch.arange(size, dtype=torch.float64) + 1) * n / size - 0.5).clamp(0, n - 1)
    low = u.floor().long()
    high = (low + 1).clamp(max=n - 1)
    frac = u - low
    matrix = torch.zeros(size, n, dtype=torch.float64)
    rows = torch.arange(size)
    matrix[rows, low] += 1 - frac
    matrix[rows, high] += frac
    return matrix


def letterbox_box(shape: tuple[int, int], canvas: tuple[int, int]) -> tuple[int, int, int, int]:
    """``(top, left, height, width)`` of an image of ``shape`` letterboxed into ``canvas``.

    As ``utilities.padding`` of the official code: scale to fill one side of the
    canvas keeping the aspect ratio (integer division), centre on the other side.
    """
    (height, width), (canvas_h, canvas_w) = shape, canvas
    if height / canvas_h > width / canvas_w:
        new_w = min(width * canvas_h // height, canvas_w)
        return 0, (canvas_w - new_w) // 2, canvas_h, new_w
    new_h = min(height * canvas_w // width, canvas_h)
    return (canvas_h - new_h) // 2, 0, new_h, canvas_w


def _span(start: int, length: int, scale: float) -> slice:
    """The output cells of canvas pixels ``[start, start + length)`` at ``scale`` (>= 1 cell)."""
    first = math.floor(start * scale + 0.5)
    return slice(first, max(math.floor((start + length) * scale + 0.5), first + 1))


class MLNet(CaffeInput, nn.Module):
    """``(B, 3, H, W)`` ImageNet-normalised -> saliency ``(B, 1, h, w)`` at 1/8 of the canvas.

    Inputs of the ``canvas`` size go straight through (output ``canvas / 8``);
    others are letterboxed into the canvas first and the output is cropped to
    the image's part.
    """

    output_kind = "saliency"
    input_size = None  # the model letterboxes into ``canvas`` itself

    def __init__(self, canvas: tuple[int, int] = CANVAS) -> None:
        super().__init__()
        if len(canvas) != 2 or min(canvas) < 2 * STRIDE:
            raise ValueError(f"canvas must be (H, W) with both >= {2 * STRIDE}, got {canvas!r}")
        self.canvas = (int(canvas[0]), int(canvas[1]))
        self.vgg = conv3x3_layers(VGG16_TABLE)
        self.dropout = nn.Dropout(0.5)
        self.encoding = nn.Conv2d(1280, 64, 3, padding=1)
        self.readout = nn.Conv2d(64, 1, 1)
        self.prior = nn.Parameter(torch.zeros(PRIOR_SHAPE))
        self.caffe_input = False
        for conv in self.vgg.values():
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(conv.bias)
        for conv in (self.encoding, self.readout):  # Keras init='glorot_normal', zero bias
            nn.init.xavier_normal_(conv.weight)
            nn.init.zeros_(conv.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 1,280 concatenated channels (pool3, pool4, conv5_3) at stride 8."""
        if self.caffe_input:
            x = imagenet_to_caffe(x)
        kept = []
        for name, conv in self.vgg.items():
            x = torch.relu(conv(x))
            if name in POOL_STRIDE:
                x = theano_same_max_pool(x, POOL_STRIDE[name])
            if name in FEATURE_LAYERS:
                kept.append(x)
        return torch.cat(kept, dim=1)

    def prior_map(self, height: int, width: int) -> torch.Tensor:
        """``1 + W`` up-sampled to ``(height, width)`` as Theano's bilinear up-sampling."""
        rows = theano_bilinear_matrix(PRIOR_SHAPE[0], height).to(self.prior)
        cols = theano_bilinear_matrix(PRIOR_SHAPE[1], width).to(self.prior)
        return rows @ (1 + self.prior) @ cols.T

    def prior_penalty(self) -> torch.Tensor:
        """The code's L2 regulariser on the prior: ``sum(W**2) / 48`` (1 / the prior's size)."""
        return self.prior.pow(2).sum() / self.prior.numel()

    def _network(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.encoding(self.dropout(self.features(x))))
        x = torch.relu(self.readout(x))
        return torch.relu(x * self.prior_map(*x.shape[-2:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"x must have shape (B, 3, H, W), got {tuple(x.shape)}")
        if tuple(x.shape[-2:]) == self.canvas:
            return self._network(x)
        top, left, height, width = letterbox_box(tuple(x.shape[-2:]), self.canvas)
        black = (-x.new_tensor(IMAGENET_MEAN) / x.new_tensor(IMAGENET_STD)).view(1, 3, 1, 1)
        canvas = black.expand(x.shape[0], 3, *self.canvas).clone()
        resized = F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)
        canvas[:, :, top : top + height, left : left + width] = resized
        out = self._network(canvas)
        rows = _span(top, height, out.shape[-2] / self.canvas[0])
        cols = _span(left, width, out.shape[-1] / self.canvas[1])
        return out[:, :, rows, cols]

    @staticmethod
    def postprocess(output: torch.Tensor) -> torch.Tensor:
        """``255 * map / max(map)`` per image, as the code's ``postprocess_predictions``."""
        peak = output.flatten(1).amax(dim=1).clamp_min(torch.finfo(output.dtype).tiny)
        return 255 * output / peak.view(-1, 1, 1, 1)


def keras_layout() -> list[tuple[str, tuple[int, ...]]]:
    """State-dict keys and shapes in the order of the official Keras weights."""
    layout = []
    for name, c_in, c_out in VGG16_TABLE:
        layout += [(f"vgg.{name}.weight", (c_out, c_in, 3, 3)), (f"vgg.{name}.bias", (c_out,))]
    layout += [("encoding.weight", (64, 1280, 3, 3)), ("encoding.bias", (64,))]
    layout += [("readout.weight", (1, 64, 1, 1)), ("readout.bias", (1,))]
    return layout + [("prior", PRIOR_SHAPE)]


def load_keras_weights(model: MLNet, path: str | Path) -> MLNet:
    """Load an official-format Keras 1.x weights file (Theano kernels) into ``model``."""
    arrays = [array for _, weights in read_keras_weights(path) for _, array in weights]
    layout = keras_layout()
    if len(arrays) != len(layout):
        raise ValueError(
            f"weights file {path} must hold {len(layout)} ML-Net arrays (15 convolutions "
            f"with bias and the prior), got {len(arrays)}"
        )
    state = {}
    for array, (key, shape) in zip(arrays, layout, strict=True):
        if tuple(array.shape) != shape:
            raise ValueError(
                f"weights file {path}: {key} must have shape {shape}, got {array.shape}"
            )
        if array.ndim == 4:
            array = theano_kernel_to_torch(array)
        state[key] = torch.from_numpy(np.array(array, dtype=np.float32))
    model.load_state_dict(state | {"_extra_state": {"caffe_input": True}}, strict=True)
    return model


def build_mlnet(
    pretrained: bool = True,
    weights: str | Path = "official",
    progress: bool = True,
    canvas: tuple[int, int] = CANVAS,
) -> MLNet:
    """ML-Net (``weights``: ``"official"`` SALICON weights, ``"imagenet"`` or a Keras file).

    ``canvas`` is the letterbox size (480 x 640 in the code); smaller canvases
    make fast smoke runs with the same parameters.
    """
    model = MLNet(canvas)
    if not pretrained:
        return model
    if weights == "imagenet":
        load_imagenet_vgg16(model.vgg, progress=progress)
        return model
    if weights == "official":
        path = fetch_weights(WEIGHTS_URL, WEIGHTS_FILE, progress=progress)
    else:
        path = Path(weights)
        if not path.is_file():
            raise ValueError(
                f"weights must be 'official', 'imagenet' or an existing Keras weights file, "
                f"got {weights!r}"
            )
    return load_keras_weights(model, path)
