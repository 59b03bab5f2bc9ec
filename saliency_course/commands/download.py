"""``saliency-course download NAME [--root DIR]``: fetch and prepare a dataset.

Downloads the dataset's official files into ``<root>/<name>/`` (progress bars,
resume, MD5 checks, atomic extraction) and loads it once to check it parses.
``--list`` prints the known names. Options of a loader go as ``--option
key=value`` (e.g. ``--option subset=SIENA12`` for ``fixatons``).
"""

from __future__ import annotations

import argparse
import inspect

from .. import config
from ..errors import SaliencyCourseError


def _option(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"an option must look like key=value, got {text!r}")
    return key, value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..data import list_datasets

    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"one of {', '.join(list_datasets())}"
    )
    parser.add_argument(
        "--root", default=None, help="data folder (default: $SALIENCY_COURSE_DATA or the cache)"
    )
    parser.add_argument("--list", action="store_true", help="list the dataset names and exit")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        type=_option,
        metavar="KEY=VALUE",
        help="an option of the dataset's loader, e.g. subset=SIENA12 (repeatable)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from ..data import get_factory, list_datasets, load_dataset

    if args.list:
        print("\n".join(list_datasets()))
        return 0
    if not args.names:
        print("saliency-course download: give at least one dataset NAME (or --list)")
        return 2
    root = config.data_root(args.root)
    options = dict(args.option)
    status = 0
    for name in args.names:
        try:
            extra = dict(options)
            if "progress" in inspect.signature(get_factory(name)).parameters:
                extra["progress"] = not args.quiet
            dataset = load_dataset(name, root=root, download=True, **extra)
        except (SaliencyCourseError, ValueError, FileNotFoundError) as err:
            print(f"{name}: {err}")
            status = 1
            continue
        print(f"{name}: ready in {root / name.split('/')[0]} -> {dataset!r}")
    return status
