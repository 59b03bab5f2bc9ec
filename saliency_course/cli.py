"""The ``saliency-course`` command line.

Each subcommand lives in its own module under :mod:`saliency_course.commands`
with two functions, ``add_arguments(parser)`` and ``run(args) -> int``. Only
the module of the subcommand being run is imported, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__

COMMANDS = {
    "download": "download and prepare a dataset (progress, resume, checksums)",
    "predict": "write saliency maps of images with a model",
    "evaluate": "score a folder of saliency maps on a dataset with the benchmark metrics",
    "train": "train a model with its paper's recipe (resumable)",
}


def _top_parser() -> argparse.ArgumentParser:
    listing = "\n".join(f"  {name:<10} {text}" for name, text in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="saliency-course",
        description="Tools of the saliency-prediction course.",
        epilog=f"commands:\n{listing}\n\nSee 'saliency-course COMMAND --help' for its options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("command", choices=sorted(COMMANDS), metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _top_parser()
    if not argv or argv[0].startswith("-"):
        top.parse_args(argv or ["--help"])
    command, rest = argv[0], argv[1:]
    top.parse_args([command])  # validates the name with a helpful message
    module = importlib.import_module(f"saliency_course.commands.{command}")
    parser = argparse.ArgumentParser(
        prog=f"saliency-course {command}", description=COMMANDS[command]
    )
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
