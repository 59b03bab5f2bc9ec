"""``saliency-course download NAME [--root DIR]``: fetch and prepare a dataset.

Downloads the dataset's official files into ``<root>/<name>/`` (progress bars,
resume, MD5 checks, atomic extraction) and loads it once to check it parses.
``--list`` prints the known names. Options of a loader go as ``--option
key=value`` (e.g. ``--option subset=SIENA12`` for ``fixatons``). ``--root drive``
uses Google Drive's ``MyDrive/saliency_course`` (mounted on Colab).
``--no-verify`` accepts files placed by hand whose MD5 differs from the
published one (as ``SALIENCY_COURSE_VERIFY=0`` does).
"""

from __future__ import annotations

import argparse
import inspect
import os

from .. import config
from ..errors import ChecksumError, SaliencyCourseError


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
        "--root",
        default=None,
        help="data folder, or 'drive' for Google Drive (default: $SALIENCY_COURSE_DATA, the cache)",
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
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="accept files placed by hand even when their MD5 differs from the published one",
    )


def run(args: argparse.Namespace) -> int:
    from ..data.download import VERIFY_ENV

    if not args.no_verify:
        return _run(args)
    previous = os.environ.get(VERIFY_ENV)
    os.environ[VERIFY_ENV] = "0"
    try:
        return _run(args)
    finally:
        if previous is None:
            del os.environ[VERIFY_ENV]
        else:
            os.environ[VERIFY_ENV] = previous


def _run(args: argparse.Namespace) -> int:
    from ..data import get_factory, list_datasets, load_dataset

    if args.list:
        print("\n".join(list_datasets()))
        return 0
    if not args.names:
        print("saliency-course download: give at least one dataset NAME (or --list)")
        return 2
    try:
        root = config.data_root(args.root)
    except (SaliencyCourseError, ValueError) as err:
        print(f"saliency-course download: {err}")
        return 2
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
            if isinstance(err, ChecksumError) and "verify=False" in str(err):
                print(f"{name}: on the command line, --no-verify accepts it")
            status = 1
            continue
        print(f"{name}: ready in {root / name.split('/')[0]} -> {dataset!r}")
    return status
