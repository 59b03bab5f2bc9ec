"""The SALICON *model* (Huang, Shen, Boix, Zhao, ICCV 2015) -- not the SALICON dataset.

X. Huang, C. Shen, X. Boix, Q. Zhao. "SALICON: Reducing the Semantic Gap in
Saliency Prediction by Adapting Deep Neural Networks", ICCV 2015, pp. 262-270.
The authors released no code; OpenSALICON (C. L. Thomas, "OpenSalicon: An Open
Source Implementation of the Salicon Saliency Model", Univ. of Pittsburgh
TR-2016-02; github.com/CLT29/OpenSALICON, Caffe) is the open re-implementation
with released weights, and we follow it where the paper is silent or unread.

**What the paper says** (its abstract, and its text as quoted by OpenSALICON's
report and third-party notes; the full text was not available to us): a VGG-16
applied fully convolutionally to the image at two scales, fine and coarse (half
the resolution); the coarse responses are up-sampled to the fine ones, the two
are concatenated and a 1x1 convolution (a linear combination) gives the map;
all layers start from ImageNet and are fine-tuned end to end, one image per
gradient step, on OSIE; the objective is a saliency metric -- NSS, CC, KL
divergence and similarity were compared and **KL divergence** was the best
compromise and the final choice. Input 600 x 800 (fine) and 300 x 400
(coarse); map 37 x 50.

**What OpenSALICON does** (``salicon.prototxt``, ``Salicon.py``,
``custom_interpolation_layer.py``, ``finetune_salicon.*``), ``variant="code"``,
the default and the one with weights:

* two *separate* VGG-16 streams (``conv*`` and ``sec_conv*``, both initialised
  from the same ImageNet VGG-16), each up to **pool5** (stride 32, Caffe's
  ceil-mode pooling); inputs 1200 x 1600 (fine) and 600 x 800 (coarse), i.e. the
  paper's sizes doubled "to reach the paper's 37 x 50": the fine pool5 is 38 x 50;
* the coarse pool5 (19 x 25) is up-sampled by ``scipy.ndimage.zoom(order=1)``
  -- bilinear with corners aligned (``align_corners=True`` here) -- to 38 x 50;
* ``concat([coarse, fine])`` (1,024 channels), a 1x1 convolution to one channel,
  a sigmoid; trained with Caffe's ``SigmoidCrossEntropyLoss`` (not a saliency
  metric) against 38 x 50 fixation maps, SGD lr 1e-6, momentum 0.9, weight decay
  5e-4, x0.1 every 4000 images, conv1-conv2 of both streams frozen;
* input: RGB made BGR, the VGG mean subtracted, **then divided by 255**; any
  image is resized to 1200 x 1600 (and separately to 600 x 800) without keeping
  its aspect ratio; the output is min-max normalised and resized back.

**``variant="paper"``**: what the paper's sizes imply. 600 x 800 in and 37 x 50
out is a stride of 16, i.e. the last convolutional layer **conv5_3** without
pool5, with floor-mode pooling (600 / 16 = 37.5 -> 37). Same parameters, no
released weights.

**Choices the sources leave open, and ours**: whether the two streams share
weights (OpenSALICON: no; we keep two copies in both variants); how the coarse
image is made (OpenSALICON zooms the original image with a cubic spline; we
halve the fine input with antialiased bilinear resampling inside ``forward``);
the output non-linearity under a KL objective (we keep OpenSALICON's sigmoid;
KL normalises the map anyway); the 1x1 layer's initialisation (OpenSALICON's
report: Gaussian; we use std 0.01, bias 0). Inputs follow the package's
convention (ImageNet-normalised RGB); a model loaded from OpenSALICON's weights
sets ``caffe_input = True`` (saved with its weights) and converts to their
BGR / 255 input in ``forward``.

29,430,401 parameters: two VGG-16 convolution stacks (2 x 14,714,688) and the
1x1 readout (1,024 + 1). The training recipe is ``salicon_model`` in
:mod:`saliency_course.training.recipes`.
"""

from __future__ import annotations

import tarfile
from pathlib import Path, PurePosixPath

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
    weights_path,
)
from .caffe_weights import read_caffemodel

ARCHIVE_URL = "http://www.cs.pitt.edu/~chris/files/2016/model_files.tgz"
ARCHIVE_FILE = "opensalicon_model_files.tgz"
CAFFEMODEL_MEMBER = "salicon_osie.caffemodel"
CAFFEMODEL_FILE = "opensalicon_salicon_osie.caffemodel"
COARSE_PREFIX = "sec_"  # OpenSALICON's names of the coarse stream's layers
READOUT_LAYER = "saliency_map"

# variant -> (layers followed by a 2x2/2 max-pool, ceil-mode pooling, fine input size)
VARIANTS = {
    "code": ({"conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3"}, True, (1200, 1600)),
    "paper": ({"conv1_2", "conv2_2", "conv3_3", "conv4_3"}, False, (600, 800)),
}


def _imagenet_to_opensalicon(x: torch.Tensor) -> torch.Tensor:
    """ImageNet-normalised RGB -> OpenSALICON's input ``(BGR * 255 - VGG mean) / 255``."""
    return imagenet_to_caffe(x) / 255


def fuse_scales(fine: torch.Tensor, coarse: torch.Tensor, readout: nn.Conv2d) -> torch.Tensor:
    """The two-scale fusion: ``readout(concat([up(coarse), fine]))``, before the sigmoid.

    The coarse stream's maps are up-sampled to the fine stream's grid (bilinear,
    corners aligned, as OpenSALICON's ``scipy.ndimage.zoom(order=1)``), put
    *before* the fine maps along the channels (OpenSALICON's ``Concat`` order)
    and combined by the 1x1 convolution ``readout``.
    """
    if fine.ndim != 4 or coarse.ndim != 4 or fine.shape[:2] != coarse.shape[:2]:
        raise ValueError(
            "fine and coarse must be (B, C, H, W) maps with the same B and C, "
            f"got {tuple(fine.shape)} and {tuple(coarse.shape)}"
        )
    coarse = F.interpolate(coarse, size=fine.shape[-2:], mode="bilinear", align_corners=True)
    return readout(torch.cat([coarse, fine], dim=1))


class SALICONModel(CaffeInput, nn.Module):
    """``(B, 3, H, W)`` -> saliency in ``(0, 1)`` at 1/32 (``"code"``) or 1/16 (``"paper"``)."""

    output_kind = "saliency"

    def __init__(self, variant: str = "code") -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {variant!r}")
        self.variant = variant
        self.pool_after, self.ceil_mode, self.input_size = VARIANTS[variant]
        self.fine = conv3x3_layers(VGG16_TABLE)
        self.coarse = conv3x3_layers(VGG16_TABLE)
        self.readout = nn.Conv2d(1024, 1, 1)
        self.caffe_input = False
        for stream in (self.fine, self.coarse):
            for conv in stream.values():
                nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(conv.bias)
        nn.init.normal_(self.readout.weight, std=0.01)
        nn.init.zeros_(self.readout.bias)

    def stream(self, convs: nn.ModuleDict, x: torch.Tensor) -> torch.Tensor:
        """One VGG-16 stream up to its top layer (pool5 or conv5_3)."""
        for name, conv in convs.items():
            x = torch.relu(conv(x))
            if name in self.pool_after:
                x = F.max_pool2d(x, 2, ceil_mode=self.ceil_mode)
        return x

    def streams(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The top maps of the fine stream (on ``x``) and the coarse one (on ``x`` halved)."""
        if x.ndim != 4 or x.shape[1] != 3 or min(x.shape[-2:]) < 2:
            raise ValueError(f"x must have shape (B, 3, H, W) with H, W >= 2, got {tuple(x.shape)}")
        if self.caffe_input:
            x = _imagenet_to_opensalicon(x)
        half = (x.shape[-2] // 2, x.shape[-1] // 2)
        coarse_input = F.interpolate(x, size=half, mode="bilinear", antialias=True)
        return self.stream(self.fine, x), self.stream(self.coarse, coarse_input)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The 1x1 readout before the sigmoid (what OpenSALICON's loss sees)."""
        fine, coarse = self.streams(x)
        return fuse_scales(fine, coarse, self.readout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(x))

    @staticmethod
    def postprocess(output: torch.Tensor) -> torch.Tensor:
        """Min-max normalisation per image, as OpenSALICON's ``compute_saliency``."""
        flat = output.flatten(1)
        low = flat.amin(dim=1).view(-1, 1, 1, 1)
        span = (flat.amax(dim=1).view(-1, 1, 1, 1) - low).clamp_min(torch.finfo(output.dtype).tiny)
        return (output - low) / span


def caffe_layout(model: SALICONModel) -> dict[str, tuple[str, str]]:
    """OpenSALICON layer name -> (state-dict key of its weight, of its bias)."""
    layout = {}
    for prefix, part in (("", "fine"), (COARSE_PREFIX, "coarse")):
        for name, _, _ in VGG16_TABLE:
            layout[prefix + name] = (f"{part}.{name}.weight", f"{part}.{name}.bias")
    layout[READOUT_LAYER] = ("readout.weight", "readout.bias")
    return layout


def load_caffe_weights(model: SALICONModel, path: str | Path) -> SALICONModel:
    """Load an OpenSALICON ``.caffemodel`` into ``model`` (Caffe correlates: no flip)."""
    layers = read_caffemodel(path)
    own = model.state_dict()
    state = {}
    for layer, (weight_key, bias_key) in caffe_layout(model).items():
        if layer not in layers or len(layers[layer]) != 2:
            raise ValueError(
                f"caffemodel {path} must have a layer {layer!r} with weight and bias blobs, "
                f"got layers {sorted(layers)}"
            )
        weight, bias = layers[layer]
        for key, array in ((weight_key, weight), (bias_key, bias.reshape(-1))):
            if tuple(array.shape) != tuple(own[key].shape):
                raise ValueError(
                    f"caffemodel blob {key} must have shape {tuple(own[key].shape)}, "
                    f"got {tuple(array.shape)}"
                )
            state[key] = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    model.load_state_dict(state | {"_extra_state": {"caffe_input": True}}, strict=True)
    return model


def extract_member(archive: str | Path, member: str, dest: str | Path) -> Path:
    """Copy the file named ``member`` (at any depth) out of a tar ``archive`` to ``dest``."""
    dest = Path(dest)
    with tarfile.open(archive) as tar:
        files = [m for m in tar.getmembers() if m.isfile()]
        chosen = [m for m in files if PurePosixPath(m.name).name == member]
        if not chosen:
            raise ValueError(
                f"archive {archive} must contain {member!r}, got {[m.name for m in files]}"
            )
        tmp = dest.with_name(dest.name + ".part")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(chosen[0]) as src:
            tmp.write_bytes(src.read())
    tmp.replace(dest)
    return dest


def official_caffemodel(progress: bool = True) -> Path:
    """OpenSALICON's ``salicon_osie.caffemodel``, taken out of its downloaded archive."""
    dest = weights_path(CAFFEMODEL_FILE)
    if dest.is_file():
        return dest
    archive = fetch_weights(ARCHIVE_URL, ARCHIVE_FILE, progress=progress)
    return extract_member(archive, CAFFEMODEL_MEMBER, dest)


def build_salicon(
    pretrained: bool = True,
    weights: str | Path = "official",
    variant: str = "code",
    progress: bool = True,
) -> SALICONModel:
    """The SALICON model (``weights``: ``"official"`` OpenSALICON, ``"imagenet"`` or a path)."""
    model = SALICONModel(variant)
    if not pretrained:
        return model
    if weights == "imagenet":
        load_imagenet_vgg16(model.fine, model.coarse, progress=progress)
        return model
    if variant != "code":
        raise ValueError(
            f"variant must be 'code' to load OpenSALICON's weights, got {variant!r} "
            "(use weights='imagenet' or pretrained=False)"
        )
    if weights == "official":
        path = official_caffemodel(progress)
    else:
        path = Path(weights)
        if not path.is_file():
            raise ValueError(
                "weights must be 'official', 'imagenet' or an existing .caffemodel, "
                f"got {weights!r}"
            )
    return load_caffe_weights(model, path)
