"""``fit`` under ``torchrun --nproc_per_node=2`` on the CPU (gloo): both ranks end identical.

This file is also the worker script that torchrun starts (see ``__main__``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _worker(out_dir: str) -> None:
    import torch
    from training_helpers import (
        SyntheticSaliency,
        TinyDiscriminator,
        TinySaliencyNet,
        collate,
        weights_digest,
    )

    from saliency_course.training import AdversarialRecipe, fit, get_recipe

    recipe = get_recipe("salgan_bce").with_settings(
        name="ddp_bce", optimizer=lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.5)
    )
    gan = AdversarialRecipe(**{**get_recipe("salgan_gan").__dict__, "name": "ddp_gan"})
    rank = int(os.environ["RANK"])
    torch.manual_seed(rank + 7)  # ranks start different; DDP makes them agree
    model, generator, discriminator = TinySaliencyNet(), TinySaliencyNet(), TinyDiscriminator()
    options = dict(
        epochs=1, device="cpu", root=out_dir, batch_size=2, progress=False, collate_fn=collate
    )
    history = fit(
        model, recipe, SyntheticSaliency(13), SyntheticSaliency(4, seed=1), run_name="ddp",
        val_metrics=(), **options,
    )  # fmt: skip
    fit(
        generator, gan, SyntheticSaliency(8), run_name="ddp_gan", discriminator=discriminator,
        val_metrics=(), **options,
    )  # fmt: skip
    result = {
        "digest": weights_digest(model),
        "gan_digests": [weights_digest(generator), weights_digest(discriminator)],
        "history": history.drop(columns=["seconds", "images_per_second"]).to_dict(),
    }
    Path(out_dir, f"rank{rank}.json").write_text(json.dumps(result, default=float))


@pytest.mark.slow
def test_torchrun_two_cpu_ranks_agree(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(HERE))
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        str(Path(__file__)),
        str(tmp_path),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["digest"] == ranks[1]["digest"]
    assert ranks[0]["gan_digests"] == ranks[1]["gan_digests"]
    assert ranks[0]["history"] == ranks[1]["history"]
    assert ranks[0]["history"]["val_loss"]["0"] == ranks[0]["history"]["val_loss"]["0"]  # not NaN
    assert (tmp_path / "runs" / "ddp" / "last.pt").exists()
    assert (tmp_path / "runs" / "ddp_gan" / "last.pt").exists()
    assert not list((tmp_path / "runs" / "ddp").glob("*.tmp"))


if __name__ == "__main__":
    _worker(sys.argv[1])
