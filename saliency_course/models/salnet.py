"""SalNet, the deep convnet of Pan et al. (CVPR 2016).

J. Pan, E. Sayrol, X. Giró-i-Nieto, K. McGuinness, N. E. O'Connor. "Shallow and
Deep Convolutional Networks for Saliency Prediction", CVPR 2016,
arXiv:1603.00845. Official code: github.com/imatge-upc/saliency-2016-cvpr.

The layers follow the official Caffe ``deploy.prototxt`` (the paper's full text
was not available; where the course slide says "8-layer", the prototxt has
9 convolutions + 1 deconvolution, and we follow the code):

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

25,806,209 parameters. Input 240x320 (H x W); the net is fully convolutional.

**Pre/post-processing** (official pycaffe wrapper): the image is made BGR, the
mean (B, G, R) = (100, 110, 118) subtracted and the result divided by 127.5. Here
``input_mean``/``input_std`` do the subtraction and scaling in RGB order and the
forward pass flips RGB to BGR, so official weights see what they saw in Caffe.
The raw output estimates ``(S - 127) / 128`` of a 0-255 saliency map ``S``;
:meth:`SalNet.postprocess` (used by :func:`~saliency_course.models.predict`)
maps it back to ``[0, 255]``. The official wrapper's final 5x5 blur is left out.

**Initialisation of conv1-3.** The paper adapts conv1-conv3 from VGG_CNN_M (an
ImageNet classifier whose conv1-3 have exactly these shapes, but stride 2 in
conv1/conv2). torchvision ships no VGG-M, so ``pretrained=False`` initialises
every layer with PyTorch's default (Kaiming-uniform) initialisation and the
whole net is trained; ``pretrained=True`` loads the official trained SalNet
(``deep_net_model.caffemodel``, read by :mod:`.caffe_weights`), which already
contains the adapted VGG-M layers.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .backbones import fetch_weights
from .caffe_weights import read_caffemodel

WEIGHTS_URL = (
    "https://imatge.upc.edu/web/sites/default/files/resources/1720/saliency/2016-cvpr/"
    "deep_net_model.caffemodel"
)
WEIGHTS_FILE = "salnet_deep_net_model.caffemodel"

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
    input_size = (240, 320)
    input_mean = (118 / 255, 110 / 255, 100 / 255)  # RGB order of Caffe's BGR mean
    input_std = (127.5 / 255,) * 3

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


def load_caffe_weights(model: SalNet, path: str | Path) -> SalNet:
    """Copy the blobs of a SalNet ``.caffemodel`` into ``model`` (names as in the prototxt)."""
    layers = read_caffemodel(path)
    state = {}
    for name in [row[0] for row in CONV_TABLE] + ["deconv1"]:
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


def build_salnet(
    pretrained: bool = True, weights: str | Path | None = None, progress: bool = True
) -> SalNet:
    """SalNet; ``pretrained`` loads the official Caffe weights, ``weights`` a ``.caffemodel``."""
    model = SalNet()
    if weights is not None:
        return load_caffe_weights(model, weights)
    if pretrained:
        load_caffe_weights(model, fetch_weights(WEIGHTS_URL, WEIGHTS_FILE, progress=progress))
    return model
