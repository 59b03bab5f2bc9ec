"""``saliency-course train MODEL --dataset NAME``: train a model with its paper's recipe.

Example (resumes by itself if interrupted; run it again to continue)::

    saliency-course train salgan --dataset salicon --epochs 15 --run-name salgan_bce
    saliency-course train salgan --recipe salgan_gan --init-run salgan_bce --dataset salicon

On several GPUs: ``torchrun --nproc_per_node=4 -m saliency_course.cli train ...``.
"""

from __future__ import annotations

import argparse

DEFAULT_RECIPES = {
    "salnet": "salnet",
    "salgan": "salgan_bce",
    "deepgaze2": "deepgaze",
    "deepfix": "deepfix",
    "mlnet": "mlnet",
    "salicon": "salicon_model",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=f"model name, e.g. {', '.join(DEFAULT_RECIPES)}")
    parser.add_argument("--dataset", required=True, help="dataset name (see list_datasets())")
    parser.add_argument("--recipe", help="recipe name (default: the model's first-stage recipe)")
    parser.add_argument("--root", help="data root (datasets and weights; runs/ too by default)")
    parser.add_argument("--runs-root", help="where runs/<run name>/ goes (default: --root)")
    parser.add_argument("--epochs", type=int, help="total epochs (default: the recipe's)")
    parser.add_argument("--batch-size", type=int, help="per-process batch size")
    parser.add_argument("--size", type=int, nargs=2, metavar=("H", "W"), help="input size")
    parser.add_argument("--run-name", help="folder under <root>/runs (default: the recipe's name)")
    parser.add_argument("--init-run", help="start from the model weights of this finished run")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-images", type=int, help="use only the first N images per split")
    parser.add_argument("--max-steps", type=int, help="at most N updates per epoch")
    parser.add_argument("--amp", default="auto", choices=["auto", "off", "bf16", "fp16"])
    parser.add_argument(
        "--no-pretrained", action="store_true", help="random weights instead of ImageNet/official"
    )
    parser.add_argument("--no-download", action="store_true", help="fail if data is missing")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..data import load_dataset
    from ..models import build_model
    from ..training import fit, get_recipe, load_weights, torch_splits

    if args.recipe is None and args.model not in DEFAULT_RECIPES:
        raise SystemExit(
            f"--recipe is needed for model {args.model!r} (defaults exist for "
            f"{sorted(DEFAULT_RECIPES)})"
        )
    recipe = get_recipe(args.recipe or DEFAULT_RECIPES[args.model])
    size = tuple(args.size) if args.size else recipe.input_size
    dataset = load_dataset(args.dataset, root=args.root, download=not args.no_download)
    options = {}
    if recipe.kind == "log_likelihood":  # DeepGaze: the training split's centre bias as prior
        prior = build_model("center_bias", dataset=dataset, indices=dataset.splits["train"])
        options["centerbias"] = np.log(prior.density(size))
    model = build_model(args.model, pretrained=not args.no_pretrained, **options)
    if args.init_run:
        load_weights(model, args.init_run, args.runs_root or args.root)
    train, val = torch_splits(dataset, size, max_images=args.max_images)
    history = fit(
        model,
        recipe,
        train,
        val,
        epochs=args.epochs,
        device=args.device,
        run_name=args.run_name,
        root=args.runs_root or args.root,
        batch_size=args.batch_size,
        seed=args.seed,
        amp=args.amp,
        progress=not args.quiet,
        max_steps_per_epoch=args.max_steps,
    )
    print(history.to_string(index=False))
    return 0
