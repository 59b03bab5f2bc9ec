"""SalNet, the deep convnet of Pan et al. (CVPR 2016).

J. Pan, E. Sayrol, X. Giró-i-Nieto, K. McGuinness, N. E. O'Connor. "Shallow and
Deep Convolutional Networks for Saliency Prediction", CVPR 2016,
arXiv:1603.00845. Official code: github.com/imatge-upc/saliency-2016-cvpr.

The layers follow the official Caffe ``deploy.prototxt`` (where the course slide
says "8-layer", the prototxt has 9 convolutions + 1 deconvolution, and we
follow the code):

======== ======== ===== ====== ===== ==========================================
layer    kernel   out   stride pad   after
======== ======== ===== ====== ===== ==========================================
conv1    7x7      96    1      3     ReLU, LRN(5, alpha 1e-4, beta 0.75), max-pool 3/2 (ceil)
conv2    5x5      256   1      2     ReLU, max-pool 3/2 (ceil)
conv3    3x3      512   1      1     ReLU
conv4    5x5      512   1      2     ReLU
conv5    5x5      512   1      2     ReLU
conv6    7x7      256   1      3     ReLU
conv7    11x11    128   1      5     ReLU
conv8    11x11    32    1      5     ReLU
conv9    13x13    1     1      6     (linear)
deconv1  8x8 (T)  1     4      2     no bias, linear: back to the input size
======== ======== ===== ====== ===== ==========================================

25,806,209 parameters. Trained at 240x320 (H x W); the net is fully convolutional.

**Pre/post-processing** (official pycaffe wrapper ``deep/__init__.py``). Input
policy: the image is scaled by one factor so that it fits inside 320x320
(never enlarged; OpenCV ``INTER_LINEAR``), made BGR, the mean (B, G, R) =
(100, 110, 118) subtracted and the result multiplied by 1/127.5. Here
``input_mean``/``input_std`` do the subtraction and scaling in RGB order and the
forward pass flips RGB to BGR, so official weights see what they saw in Caffe.
The raw output estimates ``(S - 127) / 128`` of a 0-255 saliency map ``S``;
:meth:`SalNet.postprocess` maps it back to ``[0, 255]``, and
:meth:`SalNet.official_postprocess` finishes as the wrapper does: bicubic
resize to the image's size, 5x5 Gaussian blur, clip, stretch to a maximum of
255 and truncation to integers (the wrapper returns ``uint8``).

**Weights.** ``weights="official"`` loads the trained SalNet
(``deep_net_model.caffemodel``, read by :mod:`.caffe_weights`). The paper
initialises conv1-conv3 from VGG_CNN_M (Chatfield et al., "Return of the Devil
in the Details", BMVC 2014); ``weights="imagenet"`` does that transfer from the
Caffe Model Zoo file ``VGG_CNN_M.caffemodel`` (see :func:`load_vgg_m`) and
leaves conv4-deconv1 random: the start of SalNet's training.
``pretrained=False`` initialises every layer with PyTorch's default.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from .backbones import fetch_weights
from .caffe_weights import read_caffemodel
from .predict import InputPolicy, resize_cubic_and_blur

WEIGHTS_URL = (
    "https://imatge.upc.edu/web/sites/default/files/resources/1720/saliency/2016-cvpr/"
    "deep_net_model.caffemodel"
)
WEIGHTS_FILE = "salnet_deep_net_model.caffemodel"
# VGG_CNN_M, as linked from the Caffe Model Zoo (gist ksimonyan/f194575702fae63b2829); the
# zoo publishes no checksum for it, so the file is checked by its layer names and blob shapes.
VGG_M_URL = "http://www.robots.ox.ac.uk/~vgg/software/deep_eval/releases/bvlc/VGG_CNN_M.caffemodel"
VGG_M_FILE = "VGG_CNN_M.caffemodel"
VGG_M_LAYERS = {"conv1": (96, 3, 7, 7), "conv2": (256, 96, 5, 5), "conv3": (512, 256, 3, 3)}
INPUT_SCALE = 127.5  # SalNet divides mean-subtracted 0-255 pixels by this; VGG-M did not

# name, in channels, out channels, kernel, padding (stride 1 everywhere)
CONV_TABLE = (
    ("conv1", 3, 96, 7, 3),
    ("conv2", 96, 256, 5, 2),
    ("conv3", 256, 512, 3, 1),
    ("conv4", 512, 512, 5, 2),
    ("conv5", 512, 512, 5, 2),
    ("conv6", 512, 256, 7, 3),
    ("conv7", 256, 128, 11, 5),
    ("conv8", 128, 32, 11, 5),
    ("conv9", 32, 1, 13, 6),
)


class SalNet(nn.Module):
    """The deep SalNet: ``(B, 3, H, W)`` -> raw map ``(B, 1, H', W')`` (``H' = H`` when 4 | H)."""

    output_kind = "saliency"
    input_size = (240, 320)  # the training size of the paper and of the deploy prototxt
    input_policy = InputPolicy("fit", (320, 320), upscale=False, resize="cv2_linear")
    input_mean = (118 / 255, 110 / 255, 100 / 255)  # RGB order of Caffe's BGR mean
    input_std = (INPUT_SCALE / 255,) * 3

    def __init__(self) -> None:
        super().__init__()
        for name, c_in, c_out, k, pad in CONV_TABLE:
            self.add_module(name, nn.Conv2d(c_in, c_out, k, stride=1, padding=pad))
        self.norm1 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.deconv1 = nn.ConvTranspose2d(1, 1, 8, stride=4, padding=2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flip(1)  # RGB -> BGR, as Caffe was fed
        x = self.pool(self.norm1(torch.relu(self.conv1(x))))
        x = self.pool(torch.relu(self.conv2(x)))
        for name in ("conv3", "conv4", "conv5", "conv6", "conv7", "conv8"):
            x = torch.relu(getattr(self, name)(x))
        return self.deconv1(self.conv9(x))

    @staticmethod
    def postprocess(output: torch.Tensor) -> torch.Tensor:
        """Raw output -> saliency ``128 * out + 127`` clipped to ``[0, 255]`` (official wrapper)."""
        return (output * 128 + 127).clamp(0, 255)

    @staticmethod
    def official_postprocess(saliency: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """The wrapper's last steps on a ``[0, 255]`` map: resize, blur, clip, stretch, uint8."""
        out = resize_cubic_and_blur(saliency.astype(np.float32), shape)
        if out.max() > 0:
            out = out / out.max() * np.float32(255.0)
        return out.astype(np.uint8).astype(np.float64)


def load_caffe_weights(model: SalNet, path: str | Path) -> SalNet:
    """Copy the blobs of a SalNet ``.caffemodel`` into ``model`` (names as in the prototxt)."""
    names = [row[0] for row in CONV_TABLE] + ["deconv1"]
    layers = read_caffemodel(path, names)
    state = {}
    for name in names:
        if name not in layers:
            raise ValueError(f"caffemodel {path} must have a layer {name!r}, got {sorted(layers)}")
        blobs = layers[name]
        state[f"{name}.weight"] = torch.from_numpy(blobs[0])
        if name != "deconv1":
            state[f"{name}.bias"] = torch.from_numpy(blobs[1].reshape(-1))
    for key, value in state.items():
        expected = model.state_dict()[key].shape
        if value.shape != expected:
            raise ValueError(
                f"caffemodel blob {key} must have shape {tuple(expected)}, got {tuple(value.shape)}"
            )
    model.load_state_dict(state, strict=True)
    return model


def load_vgg_m(model: SalNet, path: str | Path) -> SalNet:
    """Initialise conv1-conv3 of ``model`` from VGG_CNN_M's ``.caffemodel`` (the paper's transfer).

    Layer mapping, name for name: VGG-M ``conv1`` (96x3x7x7, stride 2 in VGG-M) ->
    SalNet ``conv1`` (stride 1), ``conv2`` (256x96x5x5, stride 2 -> 1) -> ``conv2``,
    ``conv3`` (512x256x3x3) -> ``conv3``; weights and biases are copied, the
    strides are SalNet's (the kernels transfer, the subsampling does not).
    VGG-M's fc6-fc8 and conv4/conv5 (3x3, where SalNet's are 5x5) are not used.

    Input convention: VGG-M was trained on BGR 0-255 images minus the ImageNet
    mean image (its BVLC release is in BGR order); SalNet feeds BGR minus (100,
    110, 118) divided by 127.5. So that conv1 sees the numbers VGG-M saw, its
    weights are multiplied by 127.5 (biases unchanged); the two means differ by
    a few grey levels. Both LRNs span 5 channels, but VGG-M's (alpha 5e-4, k 2)
    differs from SalNet's (alpha 1e-4, k 1), and VGG-M also normalises after
    conv2; SalNet keeps its own prototxt's layers.
    """
    layers = read_caffemodel(path, VGG_M_LAYERS)
    for name, shape in VGG_M_LAYERS.items():
        blobs = layers.get(name)
        if blobs is None or len(blobs) != 2:
            raise ValueError(
                f"VGG_CNN_M caffemodel {path} must have layer {name!r} with weight and bias, "
                f"got layers {sorted(layers)}"
            )
        weight, bias = blobs[0], blobs[1].reshape(-1)
        if weight.shape != shape or bias.shape != (shape[0],):
            raise ValueError(
                f"VGG_CNN_M caffemodel {path}: {name} must have blobs {shape} and ({shape[0]},), "
                f"got {weight.shape} and {bias.shape}"
            )
        scale = INPUT_SCALE if name == "conv1" else 1.0
        conv = getattr(model, name)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(weight) * scale)
            conv.bias.copy_(torch.from_numpy(bias))
    return model


def build_salnet(
    pretrained: bool = True, weights: str | Path = "official", progress: bool = True
) -> SalNet:
    """SalNet; ``weights``: ``"official"``, ``"imagenet"`` (VGG-M conv1-3) or a ``.caffemodel``.

    A path is loaded whatever ``pretrained`` says; offline, ``"official"`` and
    ``"imagenet"`` raise :class:`~saliency_course.errors.OfflineError` (a
    :class:`~saliency_course.errors.DownloadError`) naming the file to fetch.
    """
    model = SalNet()
    if weights not in ("official", "imagenet"):
        if not Path(weights).is_file():
            raise ValueError(
                f"weights must be 'official', 'imagenet' or an existing .caffemodel, "
                f"got {weights!r}"
            )
        return load_caffe_weights(model, weights)
    if not pretrained:
        return model
    if weights == "imagenet":
        return load_vgg_m(model, fetch_weights(VGG_M_URL, VGG_M_FILE, progress=progress))
    return load_caffe_weights(model, fetch_weights(WEIGHTS_URL, WEIGHTS_FILE, progress=progress))
