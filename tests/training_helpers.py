"""Tiny models and synthetic saliency batches for the training tests (CPU, milliseconds)."""

from __future__ import annotations

import hashlib

import torch
from torch import nn


class TinySaliencyNet(nn.Module):
    """A two-layer conv net with dropout (so resuming must restore the RNG)."""

    output_kind = "saliency"
    input_size = (16, 16)

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1),
            nn.ReLU(),
            nn.Dropout2d(0.3),
            nn.Conv2d(4, 1, 3, padding=1),
        )

    def forward(self, x):
        return torch.sigmoid(self.body(x))


class TinyLogDensityNet(TinySaliencyNet):
    output_kind = "log_density"

    def forward(self, x):
        logits = self.body(x)
        return logits - torch.logsumexp(logits.flatten(1), dim=1).view(-1, 1, 1, 1)


class TinyDiscriminator(nn.Module):
    """Takes (image, saliency) like SalGAN's discriminator and returns P(real) per image."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 2, 3, padding=1)
        self.fc = nn.Linear(2, 1)

    def forward(self, image, saliency):
        features = torch.relu(self.conv(torch.cat([saliency, image], dim=1))).mean(dim=(2, 3))
        return torch.sigmoid(self.fc(features))


class SyntheticSaliency(torch.utils.data.Dataset):
    """Items shaped like SaliencyTorchDataset's: a bright blob is where people look."""

    def __init__(self, count: int = 12, size: int = 16, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.items = []
        yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
        for index in range(count):
            cx, cy = torch.randint(3, size - 3, (2,), generator=g).tolist()
            blob = torch.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 8.0)
            image = torch.randn(3, size, size, generator=g) * 0.3 + blob
            fixations = torch.tensor([[cx, cy], [cx + 1, cy], [cx, cy - 1]], dtype=torch.float32)
            fixation_map = torch.zeros(1, size, size)
            fixation_map[0, fixations[:, 1].long(), fixations[:, 0].long()] = 1
            self.items.append(
                {
                    "image": image,
                    "density": (blob / blob.sum())[None],
                    "fixation_map": fixation_map,
                    "fixations": fixations,
                    "index": index,
                }
            )

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def weights_digest(module: nn.Module) -> str:
    h = hashlib.sha256()
    for key, value in sorted(module.state_dict().items()):
        h.update(key.encode())
        h.update(value.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def collate(items):
    """Stack tensors, keep the variable-length fixation arrays as a list."""
    return {
        "image": torch.stack([i["image"] for i in items]),
        "density": torch.stack([i["density"] for i in items]),
        "fixation_map": torch.stack([i["fixation_map"] for i in items]),
        "fixations": [i["fixations"] for i in items],
        "index": torch.tensor([i["index"] for i in items]),
    }


class SlowSyntheticSaliency(SyntheticSaliency):
    """The same items, each taking ``delay`` seconds to load (so a run can be killed mid-epoch)."""

    def __init__(self, *args, delay: float = 0.1, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.delay = delay

    def __getitem__(self, i):
        import time

        time.sleep(self.delay)
        return super().__getitem__(i)
