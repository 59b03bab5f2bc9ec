"""Video models: ACLNet (architecture, state, a falling loss on the real clip) and frame-wise."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from saliency_course.data import load_dataset
from saliency_course.data.video import frame_dataset
from saliency_course.errors import OfflineError
from saliency_course.metrics.video import score_clip, summarize
from saliency_course.models import build_model
from saliency_course.models.aclnet import KerasConvLSTM, keras_hard_sigmoid
from saliency_course.models.backbones import hub_checkpoint_path
from saliency_course.models.framewise import exponential_smoothing, predict_clip
from saliency_course.training import get_recipe
from saliency_course.training.video import ClipWindows, acl_loss, collate_clips, train_steps


def _conv(cin: int, cout: int, k: int, bias: bool = True) -> int:
    return cin * cout * k * k + (cout if bias else 0)


@pytest.fixture(scope="module")
def clip(data_dir):
    return load_dataset("dhf1k", root=data_dir / "video", download=False).clip(0)


@pytest.fixture(scope="module")
def aclnet():
    torch.manual_seed(0)
    return build_model("aclnet", pretrained=False)


def test_aclnet_parameter_count_matches_the_official_layers(aclnet):
    vgg = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256)]
    vgg += [(256, 512)] + [(512, 512)] * 5
    encoder = sum(_conv(a, b, 3) for a, b in vgg)
    attention = _conv(512, 64, 1) + _conv(64, 128, 3) + _conv(128, 64, 1) + _conv(64, 128, 3)
    attention += _conv(128, 1, 1)
    convlstm = 4 * (_conv(512, 256, 3) + _conv(256, 256, 3, bias=False))  # Keras ConvLSTM2D
    readout = _conv(256, 1, 1)
    assert encoder == 14_714_688  # torchvision's VGG-16 features
    total = sum(p.numel() for p in aclnet.parameters())
    assert total == encoder + attention + convlstm + readout == 21_982_786
    assert aclnet.output_kind == "saliency" and aclnet.input_size == (256, 320)


def test_aclnet_shapes_and_stateful_chunks(aclnet):
    aclnet.eval()
    x = torch.randn(1, 6, 3, 64, 80)
    with torch.no_grad():
        out, attention = aclnet(x, return_attention=True)
        first, state = aclnet(x[:, :3], return_state=True)
        second = aclnet(x[:, 3:], state=state)
    assert out.shape == (1, 6, 1, 32, 40) and attention.shape == (1, 6, 1, 16, 20)
    assert out.min() > 0 and out.max() < 1
    torch.testing.assert_close(torch.cat([first, second], dim=1), out)
    with pytest.raises(ValueError, match="clips must be"):
        aclnet(torch.randn(2, 3, 64, 80))


def test_keras_convlstm_conventions():
    values = keras_hard_sigmoid(torch.tensor([-3.0, 0.0, 1.0, 3.0]))
    torch.testing.assert_close(values, torch.tensor([0.0, 0.5, 0.7, 1.0]))
    cell = KerasConvLSTM(4, 2)
    assert cell.input_conv.bias.tolist() == [0, 0, 1, 1, 0, 0, 0, 0]  # unit_forget_bias
    cell.train()
    x = torch.ones(1, 3, 4, 5, 5)
    a, _ = cell(x)
    b, _ = cell(x)
    assert not torch.equal(a, b)  # input dropout active in training
    cell.eval()
    assert torch.equal(cell(x)[0], cell(x)[0])


def test_aclnet_pretrained_offline_fails_fast(monkeypatch):
    from torchvision.models import VGG16_Weights

    if hub_checkpoint_path(VGG16_Weights.IMAGENET1K_V1.url).is_file():
        pytest.skip("VGG-16 ImageNet weights are cached here, so nothing is downloaded")
    monkeypatch.setenv("SALIENCY_COURSE_OFFLINE", "1")
    with pytest.raises(OfflineError, match="vgg16"):
        build_model("aclnet", pretrained=True)


def test_acl_loss_by_hand():
    prediction = torch.tensor([[[[0.2, 0.4], [0.2, 0.2]]]])
    density = torch.tensor([[[[0.1, 0.6], [0.1, 0.2]]]])
    fixation = torch.tensor([[[[0.0, 1.0], [0.0, 0.0]]]])
    total, kl, cc, nss = acl_loss(prediction, density, fixation)
    p = np.array([0.2, 0.4, 0.2, 0.2]) / 1.0
    g = np.array([0.1, 0.6, 0.1, 0.2])
    assert kl.item() == pytest.approx(10 * np.sum(g * np.log(g / p)), rel=1e-4)
    assert cc.item() == pytest.approx(-2 * np.corrcoef(g, p)[0, 1], rel=1e-4)
    standard = (p / p.max() - (p / p.max()).mean()) / (p / p.max()).std()
    assert nss.item() == pytest.approx(-standard[1], rel=1e-4)
    assert total.item() == pytest.approx(kl.item() + cc.item() + nss.item())
    # a frame without fixations does not count
    empty = acl_loss(prediction, density, torch.zeros_like(fixation))[0]
    assert empty.item() == 0.0


def test_aclnet_trains_on_the_real_clip(clip):
    windows = ClipWindows([clip], length=3, size=(48, 80), frame_range=(300, 303))
    item = windows[0]
    assert item["image"].shape == (3, 3, 48, 80) and item["fixation_map"].shape == (3, 1, 48, 80)
    assert torch.allclose(item["density"].sum(dim=(1, 2, 3)), torch.ones(3))
    batch = collate_clips([item])
    assert batch["image"].shape == (3, 3, 48, 80) and batch["clip_length"] == 3
    torch.manual_seed(0)
    model = build_model("aclnet", pretrained=False)
    losses = train_steps(model, windows, steps=6, lr=1e-4, seed=0)
    assert all(np.isfinite(losses))
    assert losses[-1] < losses[0] - 2 and min(losses[3:]) < min(losses[:3])
    recipe = get_recipe("aclnet")
    assert recipe.model == "aclnet" and recipe.epochs == 10
    assert recipe.forward(model, batch).shape == (3, 1, 24, 40)


def test_exponential_smoothing_by_hand():
    maps = torch.tensor([[1.0, 0.0, 0.0, 4.0]]).view(1, 4, 1, 1, 1)
    out = exponential_smoothing(maps, 0.5).flatten().tolist()
    assert out == [1.0, 0.5, 0.25, 2.125]
    with pytest.raises(ValueError, match="smoothing factor"):
        exponential_smoothing(maps, 1.0)


def test_framewise_and_aclnet_scored_with_video_metrics(clip, aclnet):
    frames_ds = frame_dataset_for(clip)
    framewise = build_model(
        "framewise", pretrained=False, image_model="center_bias", dataset=frames_ds, smoothing=0.5
    )
    assert framewise.output_kind == "saliency"
    frames = clip.frames(600, 624, 3)
    maps = predict_clip(framewise, frames, chunk=3)
    assert maps.shape == (8, 360, 640)
    np.testing.assert_allclose(maps, predict_clip(framewise, frames, chunk=8))  # state carried
    scored = score_clip(maps, clip, frames=range(600, 624, 3), seed=0)
    summary = summarize(scored)
    assert list(summary.index) == ["auc_judd", "similarity", "auc_shuffled", "cc", "nss"]
    assert summary["auc_judd"] > 0.8 and summary["nss"] > 1  # centre bias on a centred fly
    acl_maps = predict_clip(aclnet, frames, input_size=(64, 112), chunk=4)
    assert acl_maps.shape == (8, 360, 640)
    acl_summary = summarize(score_clip(acl_maps, clip, frames=range(600, 624, 3), seed=0))
    assert np.all(np.isfinite(acl_summary.to_numpy()))


def frame_dataset_for(clip):
    """Frames 0-299 of the clip to fit the centre bias on (scored frames are 600+)."""
    from saliency_course.data.video import VideoDataset

    return frame_dataset(VideoDataset("dhf1k", [clip], ""), {0: range(0, 300, 10)})
