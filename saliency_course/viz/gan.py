"""SalGAN's adversarial game in pictures: what the discriminator says about real and generated maps.

The discriminator of SalGAN (Pan et al., arXiv:1701.01081) outputs ``P(real)``
for an (image, saliency map) pair. :func:`plot_verdicts` shows it, image by
image, for the human map and for the generator's map: a discriminator that
has the upper hand puts the first near 1 and the second near 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_verdicts"]


def _probabilities(values, name: str) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().float().cpu().numpy()
    p = np.asarray(values, dtype=np.float64).ravel()
    if p.size == 0 or not np.isfinite(p).all() or p.min() < 0 or p.max() > 1:
        raise ValueError(f"{name} must hold probabilities in [0, 1], got {p!r:.80}")
    return p


def plot_verdicts(
    p_real,
    p_fake,
    labels: Sequence[str] | None = None,
    title: str = "The discriminator's verdicts",
):
    """Bars of ``D(image, map)`` for the human and the generated map of each image; the figure."""
    real, fake = _probabilities(p_real, "p_real"), _probabilities(p_fake, "p_fake")
    if real.shape != fake.shape:
        raise ValueError(
            f"p_fake must have one value per image like p_real ({real.size}), got {fake.size}"
        )
    labels = [f"image {i}" for i in range(real.size)] if labels is None else list(labels)
    if len(labels) != real.size:
        raise ValueError(f"labels must name the {real.size} images, got {len(labels)}")
    figure, ax = plt.subplots(figsize=(max(5.0, 1.4 * real.size + 2), 3.4))
    x = np.arange(real.size)
    ax.bar(x - 0.2, real, 0.4, label="human map")
    ax.bar(x + 0.2, fake, 0.4, label="generated map")
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.set_xticks(x, labels)
    ax.set_ylabel("D(image, map) = P(real)")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(loc="upper right")
    figure.tight_layout()
    return figure
