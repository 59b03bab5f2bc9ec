"""The torch losses agree with the numpy metrics, match hand-worked values and have gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from saliency_course.losses import (
    bce_downsampled_loss,
    cc_loss,
    fixation_nll,
    generator_adversarial_loss,
    kl_loss,
    nss_loss,
    salgan_generator_loss,
)
from saliency_course.metrics import cc, kld, nss


def _batch(seed=0, shape=(3, 1, 6, 7)):
    g = torch.Generator().manual_seed(seed)
    saliency = torch.rand(shape, generator=g, dtype=torch.float64) + 0.01
    target = torch.rand(shape, generator=g, dtype=torch.float64) ** 3
    fixations = (torch.rand(shape, generator=g, dtype=torch.float64) > 0.8).double()
    fixations[:, 0, 0, 0] = 1
    return saliency, target, fixations


@pytest.mark.parametrize(
    ("loss", "metric", "sign", "truth"),
    [(kl_loss, kld, 1, 1), (cc_loss, cc, -1, 1), (nss_loss, nss, -1, 2)],
)
def test_losses_agree_with_the_metrics(loss, metric, sign, truth):
    batch = _batch()
    saliency, ground_truth = batch[0], batch[truth]
    per_image = loss(saliency, ground_truth, reduction="none")
    expected = [
        sign * metric(s[0].numpy(), g[0].numpy())
        for s, g in zip(saliency, ground_truth, strict=True)
    ]
    np.testing.assert_allclose(per_image.numpy(), expected, rtol=1e-10, atol=1e-12)
    assert loss(saliency, ground_truth).item() == pytest.approx(np.mean(expected))
    assert loss(saliency[:, 0], ground_truth[:, 0], reduction="sum").item() == pytest.approx(
        np.sum(expected)
    )


@pytest.mark.parametrize("loss", [kl_loss, cc_loss])
def test_gradcheck_distribution_losses(loss):
    saliency, target, _ = _batch(1, (2, 1, 4, 5))
    saliency.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda s: loss(s, target), (saliency,))


def test_gradcheck_nss_and_nll():
    saliency, _, fixations = _batch(2, (2, 1, 4, 5))
    saliency.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda s: nss_loss(s, fixations), (saliency,))
    logits = saliency.detach().clone().requires_grad_(True)

    def nll(x):
        log_density = x - torch.logsumexp(x.flatten(1), dim=1)[:, None, None, None]
        return fixation_nll(log_density, fixations, bits=True)

    assert torch.autograd.gradcheck(nll, (logits,))


def test_gradcheck_bce():
    saliency, target, _ = _batch(3, (1, 1, 4, 8))
    saliency = (saliency / 1.1).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda s: bce_downsampled_loss(s, target), (saliency,))


def test_bce_downsampled_by_hand():
    # 8 x 9 maps, factor 4 -> 2 x 2 windows; the 9th column is dropped (ignore_border).
    saliency = torch.full((1, 1, 8, 9), 0.5)
    target = torch.zeros(1, 1, 8, 9)
    target[..., :4, :4] = 1.0  # pooled target [[1, 0], [0, 0]], prediction 0.5 everywhere
    target[..., :, 8] = 1.0  # outside every window: must not count
    # each window: -(t ln .5 + (1 - t) ln .5) = ln 2
    assert bce_downsampled_loss(saliency, target).item() == pytest.approx(math.log(2))
    # a 0.25-valued prediction on a 0/1 target whose windows average to 0.25: BCE of 0.25 vs 0.25
    target = torch.zeros(1, 1, 4, 4)
    target[..., :2, :2] = 1.0
    expected = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    got = bce_downsampled_loss(torch.full((1, 1, 4, 4), 0.25), target)
    assert got.item() == pytest.approx(expected, rel=1e-6)


def test_salgan_generator_loss_by_hand():
    # BCE/4 of a 0.5 prediction is ln 2 (as above); verdicts 0.5 and 0.25 give
    # -(ln 0.5 + ln 0.25) / 2 = 1.5 ln 2, the official G_obj_d (BCE against label 1).
    saliency = torch.full((2, 1, 4, 4), 0.5)
    target = torch.zeros(2, 1, 4, 4)
    target[:, :, :2, :2] = 1.0  # pooled target 0.25 per image: BCE(0.5, 0.25) = ln 2
    p_fake = torch.tensor([[0.5], [0.25]])
    assert generator_adversarial_loss(p_fake).item() == pytest.approx(1.5 * math.log(2))
    got = salgan_generator_loss(saliency, target, p_fake, alpha=0.05)
    assert got.item() == pytest.approx(0.05 * math.log(2) + 1.5 * math.log(2), rel=1e-6)
    assert salgan_generator_loss(saliency, target, p_fake, alpha=0.0).item() == pytest.approx(
        1.5 * math.log(2)
    )
    # a certain "fake" costs -ln(1e-7), not infinity
    assert generator_adversarial_loss(torch.zeros(3)).item() == pytest.approx(-math.log(1e-7))


def test_salgan_generator_step_fools_the_discriminator_more():
    saliency, target, _ = _batch(5, (2, 1, 8, 8))
    logits = torch.logit(saliency.clamp(0.05, 0.95)).requires_grad_(True)

    def verdict(maps):  # a fixed "discriminator" that likes maps with mass in the top-left corner
        return torch.sigmoid(4 * (maps[:, :, :4, :4].mean(dim=(1, 2, 3)) - 0.5))

    def loss(x):
        maps = torch.sigmoid(x)
        return salgan_generator_loss(maps, target, verdict(maps), alpha=0.05)

    before = loss(logits)
    before.backward()
    with torch.no_grad():
        step = logits - 0.5 * logits.grad / logits.grad.norm()
    assert loss(step) < before
    assert verdict(torch.sigmoid(step)).mean() > verdict(torch.sigmoid(logits)).mean()


def test_fixation_nll_by_hand():
    # probabilities [.5 .25; .125 .125]; fixations twice at (x=0, y=0), once at (x=1, y=1):
    # LL = (2 ln .5 + ln .125) / 3 = -5/3 ln 2; bits over uniform: -(LL + ln 4) / ln 2 = -1/3
    log_density = torch.log(torch.tensor([[[0.5, 0.25], [0.125, 0.125]]], dtype=torch.float64))
    counts = torch.tensor([[[2.0, 0.0], [0.0, 1.0]]], dtype=torch.float64)
    assert fixation_nll(log_density, counts).item() == pytest.approx(5 / 3 * math.log(2))
    assert fixation_nll(log_density, counts, bits=True).item() == pytest.approx(-1 / 3)
    as_list = [np.array([[0.2, -0.3], [0.0, 0.0], [1.4, 0.6]])]  # rounded to pixel centres
    assert fixation_nll(log_density, as_list, bits=True).item() == pytest.approx(-1 / 3)


def test_fixation_nll_uniform_is_zero_bits_and_skips_empty_images():
    log_density = torch.full((2, 1, 3, 4), -math.log(12.0))
    fixations = [np.array([[1.0, 2.0]]), np.zeros((0, 2))]
    assert fixation_nll(log_density, fixations, bits=True).item() == pytest.approx(0.0, abs=1e-6)
    per_image = fixation_nll(log_density, fixations, reduction="none")
    assert per_image[0].item() == pytest.approx(math.log(12.0)) and math.isnan(per_image[1])


def test_a_gradient_step_lowers_each_loss():
    saliency, target, fixations = _batch(4, (2, 1, 8, 8))
    for loss, truth in [(kl_loss, target), (cc_loss, target), (nss_loss, fixations)]:
        logits = (0.1 * saliency).requires_grad_(True)
        before = loss(torch.exp(logits), truth)
        before.backward()
        with torch.no_grad():
            after = loss(torch.exp(logits - 0.1 * logits.grad / logits.grad.norm()), truth)
        assert after < before


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: kl_loss(torch.rand(2, 1, 4, 4), torch.rand(2, 1, 4, 5)), "target"),
        (lambda: cc_loss(torch.rand(4, 4), torch.rand(4, 4)), "saliency"),
        (lambda: nss_loss(torch.rand(1, 4, 4), torch.zeros(1, 4, 4)), "fixation_map"),
        (lambda: kl_loss(torch.rand(1, 4, 4), torch.rand(1, 4, 4), reduction="avg"), "reduction"),
        (lambda: bce_downsampled_loss(torch.rand(1, 4, 4) + 1, torch.rand(1, 4, 4)), r"\[0, 1\]"),
        (lambda: fixation_nll(torch.zeros(2, 3, 3), [np.zeros((1, 2))]), "fixations"),
        (lambda: generator_adversarial_loss(torch.tensor([1.5])), "p_fake"),
        (
            lambda: salgan_generator_loss(
                torch.rand(1, 4, 4), torch.rand(1, 4, 4), torch.rand(1), alpha=-1
            ),
            "alpha",
        ),
    ],
)
def test_bad_input_raises(call, word):
    with pytest.raises(ValueError, match=word):
        call()
