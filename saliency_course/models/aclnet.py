"""ACLNet: attentive CNN-LSTM for video saliency (Wang, Shen, Guo, Cheng, Borji, CVPR 2018).

W. Wang, J. Shen, F. Guo, M.-M. Cheng, A. Borji, "Revisiting Video Saliency: A
Large-Scale Benchmark and a New Model", CVPR 2018 (extended in IEEE TPAMI 43(1),
2021). The official Keras code is shared with DHF1K on Google Drive (see
``wenguanwang/DHF1K``); the layer choices below follow its ``acl_vgg`` and the
``dcn_vgg`` backbone it imports (taken from SAM, Cornia et al., TIP 2018):

==============================  ==============================================
encoder (``dcn_vgg``)           VGG-16 conv1_1..conv5_3; pool1, pool2 2x2/2;
                                pool3 2x2/2 'same'; **pool4 2x2 stride 1**
                                'same'; conv5_x dilated (rate 2): stride 8,
                                512 channels (32 x 40 for a 256 x 320 frame)
attention (per frame)           max-pool 2 -> 1x1 conv 64 ReLU -> 3x3 conv 128
                                ReLU -> max-pool 2 -> 1x1 conv 64 ReLU -> 3x3
                                conv 128 ReLU -> 1x1 conv 1 sigmoid -> nearest
                                x4 upsampling back to the feature grid
attended features               ``X + X * A`` (the attention map broadcast
                                over the 512 channels)
ConvLSTM                        256 filters, 3x3, 'same', input dropout 0.4
                                (Keras ``ConvLSTM2D`` defaults: tanh, hard
                                sigmoid gates, forget-gate bias 1, one mask per
                                gate kept over time), all time steps returned
readout                         1x1 conv 1 sigmoid per frame, nearest x4
                                upsampling (128 x 160 for 256 x 320)
static output                   the attention map upsampled x2 (64 x 80); in
                                the paper it is supervised with static images
==============================  ==============================================

Parameters: VGG-16 convs 14,714,688 + attention 188,929 + ConvLSTM 7,078,912 +
readout 257 = **21,982,786** (counted from the official layer list; the paper
gives no total). Choices where the code is not explicit for PyTorch: Keras
'same' 2x2 pooling pads at the bottom/right (done here with ``ceil_mode`` and a
one-pixel bottom/right pad for pool4; zero padding equals TF's ignore-padding
after ReLU); the attention map is resized to the feature grid with nearest
interpolation, which equals ``UpSampling2D(4)`` whenever the grid is divisible
by 4 (it is for the official 256 x 320 input). The ``dcn_vgg`` details (pool4
stride 1, dilated conv5) are SAM's, which ACL's code imports; the ACL file
itself was not available to check them.

The model takes a normalised clip batch ``(B, T, 3, H, W)`` and returns
``(B, T, 1, H/2, W/2)`` saliency in ``(0, 1)``; ``output_kind = "saliency"``.
Passing ``state`` carries the ConvLSTM memory across chunks of a long video, as
the official test script does with ``stateful=True``.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

#: (H, W) of the frames the official code feeds: its ``Reshape((32, 40, 512))``
#: fixes the stride-8 feature grid at 32 x 40.
INPUT_SIZE = (256, 320)
#: Frames per training sequence and clips per batch in ACL's configuration.
NUM_FRAMES = 5

_VGG_CFG = [(3, 64), (64, 64), "P", (64, 128), (128, 128), "P",
            (128, 256), (256, 256), (256, 256), "P3",
            (256, 512), (512, 512), (512, 512), "P4",
            (512, 512), (512, 512), (512, 512)]  # fmt: skip


def keras_hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Keras' ``hard_sigmoid``: ``clip(0.2 x + 0.5, 0, 1)`` (not PyTorch's x/6 + 1/2)."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


class _Pool4(nn.Module):
    """Keras ``MaxPooling2D((2, 2), strides=(1, 1), padding='same')``: pad bottom/right."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(F.pad(x, (0, 1, 0, 1)), kernel_size=2, stride=1)


class DilatedVGG16(nn.Module):
    """SAM/ACL's ``dcn_vgg``: VGG-16 convs with output stride 8 and dilated conv5.

    Layer indices match ``torchvision.models.vgg16().features`` for the convs, so
    ImageNet weights load by position.
    """

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        block = 1
        for item in _VGG_CFG:
            if item == "P":
                layers.append(nn.MaxPool2d(2, 2))
                block += 1
            elif item == "P3":
                layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
                block += 1
            elif item == "P4":
                layers.append(_Pool4())
                block += 1
            else:
                dilation = 2 if block == 5 else 1
                layers.append(nn.Conv2d(item[0], item[1], 3, padding=dilation, dilation=dilation))
                layers.append(nn.ReLU(inplace=True))
        self.features = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


class AttentionModule(nn.Module):
    """ACL's per-frame attention branch: a sigmoid map on the feature grid."""

    def __init__(self, channels: int = 512) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 64, 1)
        self.conv2 = nn.Conv2d(64, 128, 3, padding=1)
        self.conv3 = nn.Conv2d(128, 64, 1)
        self.conv4 = nn.Conv2d(64, 128, 3, padding=1)
        self.conv5 = nn.Conv2d(128, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = F.max_pool2d(x, 2, 2, ceil_mode=True)
        a = F.relu(self.conv2(F.relu(self.conv1(a))))
        a = F.max_pool2d(a, 2, 2, ceil_mode=True)
        a = F.relu(self.conv4(F.relu(self.conv3(a))))
        a = torch.sigmoid(self.conv5(a))
        return F.interpolate(a, size=x.shape[-2:], mode="nearest")


class KerasConvLSTM(nn.Module):
    """Keras ``ConvLSTM2D`` (no peepholes): gates i, f, c, o from 3x3 'same' convolutions.

    ``input_conv`` holds the four input kernels (with bias), ``recurrent_conv``
    the four recurrent kernels (no bias), in Keras' gate order i, f, c, o. In
    training, ``dropout`` drops input units with one mask per gate drawn once per
    sequence, as Keras does.
    """

    def __init__(
        self, in_channels: int, hidden: int, kernel_size: int = 3, dropout: float = 0.4
    ) -> None:
        super().__init__()
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        pad = kernel_size // 2
        self.hidden = hidden
        self.dropout = dropout
        self.input_conv = nn.Conv2d(in_channels, 4 * hidden, kernel_size, padding=pad)
        self.recurrent_conv = nn.Conv2d(hidden, 4 * hidden, kernel_size, padding=pad, bias=False)
        with torch.no_grad():  # Keras unit_forget_bias=True
            self.input_conv.bias.zero_()
            self.input_conv.bias[hidden : 2 * hidden].fill_(1.0)

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """``x`` (B, T, C, H, W) -> hidden states (B, T, hidden, H, W) and the last ``(h, c)``."""
        batch, steps, channels, height, width = x.shape
        if state is None:
            h = x.new_zeros(batch, self.hidden, height, width)
            c = torch.zeros_like(h)
        else:
            h, c = state
        masks = None
        if self.training and self.dropout > 0:
            keep = 1 - self.dropout
            masks = torch.bernoulli(x.new_full((batch, 4 * channels, height, width), keep)) / keep
        outputs = []
        for t in range(steps):
            xt = x[:, t]
            if masks is None:
                gates_x = self.input_conv(xt)
            else:
                gates_x = F.conv2d(
                    xt.repeat(1, 4, 1, 1) * masks,
                    self.input_conv.weight,
                    self.input_conv.bias,
                    padding=self.input_conv.padding,
                    groups=4,
                )
            i, f, g, o = torch.chunk(gates_x + self.recurrent_conv(h), 4, dim=1)
            c = keras_hard_sigmoid(f) * c + keras_hard_sigmoid(i) * torch.tanh(g)
            h = keras_hard_sigmoid(o) * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)


class ACLNet(nn.Module):
    """Attentive CNN-LSTM: VGG-16 features, a static attention map, a ConvLSTM, a 1x1 readout."""

    output_kind = "saliency"
    input_size = INPUT_SIZE

    def __init__(self, dropout: float = 0.4) -> None:
        super().__init__()
        self.encoder = DilatedVGG16()
        self.attention = AttentionModule(512)
        self.convlstm = KerasConvLSTM(512, 256, 3, dropout=dropout)
        self.readout = nn.Conv2d(256, 1, 1)

    def forward(
        self,
        clips: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
        return_attention: bool = False,
        return_state: bool = False,
    ):
        """``clips`` (B, T, 3, H, W) -> saliency (B, T, 1, H/2, W/2) in (0, 1).

        With ``return_attention`` also the static attention map (B, T, 1, H/4,
        W/4); with ``return_state`` also the ConvLSTM state to pass to the next chunk.
        """
        if clips.ndim != 5 or clips.shape[2] != 3:
            raise ValueError(
                f"clips must be a (B, T, 3, H, W) batch, got shape {tuple(clips.shape)}"
            )
        batch, steps = clips.shape[:2]
        frames = clips.flatten(0, 1)
        features = self.encoder(frames)
        attention = self.attention(features)
        attended = features + features * attention
        hidden, new_state = self.convlstm(attended.unflatten(0, (batch, steps)), state)
        saliency = torch.sigmoid(self.readout(hidden.flatten(0, 1)))
        saliency = F.interpolate(saliency, scale_factor=4, mode="nearest")
        outputs = [saliency.unflatten(0, (batch, steps))]
        if return_attention:
            static = F.interpolate(attention, scale_factor=2, mode="nearest")
            outputs.append(static.unflatten(0, (batch, steps)))
        if return_state:
            outputs.append(new_state)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


def build_aclnet(pretrained: bool = True, dropout: float = 0.4, progress: bool = True) -> ACLNet:
    """ACLNet with its VGG-16 encoder initialised from ImageNet when ``pretrained``.

    The released ACLNet weights are a Keras/Theano file inside the DHF1K Google
    Drive folder without a stable file id, so ``pretrained=True`` loads the
    ImageNet VGG-16 (torchvision) into the encoder, as the authors' training
    started; offline it raises :class:`~saliency_course.errors.OfflineError`
    naming the file and where to put it. ``pretrained=False``: random weights.
    """
    model = ACLNet(dropout=dropout)
    if pretrained:
        from .backbones import load_imagenet_weights

        load_imagenet_weights(
            model.encoder.features,
            "VGG16_Weights.IMAGENET1K_V1",
            prefix="features.",
            progress=progress,
        )
    return model
