"""The full-mode rehearsal (issue 13): every notebook with SMOKE=False against a local mirror.

    python tools/rehearse.py [--only 03 06 ...] [--notebooks FILE ...] [--workers 2]
                             [--device auto] [--param NAME=VALUE ...] [--timeout 1800]

Builds (or reuses) the mirror in ``build/mirror`` from the real data (``--data``),
then runs each notebook with papermill (``SMOKE=False``, ``REHEARSAL=True``,
``DEVICE``; every other parameter at its default) in a fresh sandbox against its own
HTTP server on 127.0.0.1 (see ``tools/rehearsal/runner.py``). Notebooks 06-10 share
one data root, and 10 runs after 06-09, so that 10 finds their runs. Writes the
executed copies and logs to ``build/rehearsal/`` and ``build/rehearsal.json``
(per notebook: status, seconds, peak_rss_mb, peak_cuda_mb, downloaded_mb, ...).
Exits 1, naming each failed notebook and its cause, when a notebook fails or its
peak RSS exceeds ``--rss-limit-mb`` (12,000 MB, Colab's RAM). The data roots of
passed notebooks are removed afterwards (``--keep-roots`` keeps them); those of
failed ones stay in ``build/rehearsal/roots/`` for inspection.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_mirror import default_data  # noqa: E402
from course_map import load_manifest  # noqa: E402
from rehearsal.build import REPO, Options, build_mirror  # noqa: E402
from rehearsal.runner import RSS_LIMIT_MB, Job, rehearse, table, write_report  # noqa: E402

SHARED = ("06", "07", "08", "09", "10")  # one data root; 10 reads the runs of 06-09
AFTER = {"10": ("06", "07", "08", "09")}


def course_jobs(only: list[str] | None) -> list[Job]:
    """The manifest's notebooks (those whose number is in ``only``, if given), as jobs."""
    entries = load_manifest()
    numbers = [e["file"].split("_")[0] for e in entries]
    unknown = sorted(set(only or []) - set(numbers))
    if unknown:
        raise SystemExit(f"--only must name notebook numbers among {numbers}, got {unknown}")
    chosen = {n: e for n, e in zip(numbers, entries, strict=True) if not only or n in only}
    files = {n: e["file"] for n, e in chosen.items()}
    return [
        Job(
            source=REPO / "notebooks" / file,
            root="shared_06_10" if n in SHARED else Path(file).stem,
            after=tuple(files[a] for a in AFTER.get(n, ()) if a in files),
        )
        for n, file in files.items()
    ]


def parse_param(text: str) -> tuple[str | None, str, object]:
    """``[NN:]NAME=VALUE`` -> ``(notebook number or None, NAME, VALUE parsed as JSON if it is)``."""
    head, sep, value = text.partition("=")
    target, _, name = head.rpartition(":")
    if not sep or not name.isidentifier() or (target and not target.isdigit()):
        raise argparse.ArgumentTypeError(f"--param must be [NN:]NAME=VALUE, got {text!r}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    return target or None, name, parsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", help="notebook numbers, e.g. 03 06")
    parser.add_argument("--notebooks", nargs="+", type=Path, help="run these files instead")
    parser.add_argument("--mirror", type=Path, default=REPO / "build" / "mirror")
    parser.add_argument("--no-build", action="store_true", help="serve --mirror as it is")
    parser.add_argument("--data", type=Path, default=default_data(), help="real data folder")
    parser.add_argument("--salicon-images", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1, help="processes that build SALICON")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "rehearsal")
    parser.add_argument("--report", type=Path, default=REPO / "build" / "rehearsal.json")
    parser.add_argument("--workers", type=int, default=2, help="notebooks run at once")
    parser.add_argument("--device", default="auto", help="the DEVICE parameter")
    parser.add_argument(
        "--param",
        type=parse_param,
        action="append",
        default=[],
        help="NAME=VALUE for every notebook, NN:NAME=VALUE for notebook NN only",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per notebook")
    parser.add_argument("--rss-limit-mb", type=float, default=RSS_LIMIT_MB)
    parser.add_argument("--keep-roots", action="store_true", help="keep the roots of passed runs")
    parser.add_argument(
        "--data-dir",
        action="store_true",
        help="give each root as DATA_DIR (SALIENCY_COURSE_DATA unset); writing elsewhere fails",
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    mirror_report = None
    if not args.no_build:
        options = Options(args.data.resolve(), salicon_images=args.salicon_images, jobs=args.jobs)
        mirror_report = build_mirror(args.mirror, options)
        mirror_report["build_seconds"] = round(time.perf_counter() - start, 1)
    if args.notebooks:
        jobs = [Job(source=p.resolve(), root=p.stem) for p in args.notebooks]
    else:
        jobs = course_jobs(args.only)
    shared = {name: value for target, name, value in args.param if target is None}
    parameters = {"SMOKE": False, "REHEARSAL": True, "DEVICE": args.device, **shared}
    for job in jobs:
        number = job.source.name.split("_")[0]
        job.parameters.update({n: v for t, n, v in args.param if t == number})
    extra = {
        "parameters": parameters,
        "data_dir_parameter": args.data_dir,
        "notebook_parameters": {j.name: j.parameters for j in jobs if j.parameters},
        "mirror": mirror_report,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    done: dict = {}

    def progress(name, result) -> None:
        done[name] = result
        print(f"rehearsal: {name}: {result.status} ({result.seconds:.0f} s)", flush=True)
        write_report(done, args.report, extra)

    results = rehearse(
        jobs,
        args.mirror.resolve(),
        args.out.resolve(),
        parameters,
        workers=args.workers,
        timeout_s=args.timeout,
        rss_limit_mb=args.rss_limit_mb,
        cwd=None if args.notebooks else REPO / "notebooks",
        on_result=progress,
        data_dir_parameter=args.data_dir,
    )
    extra["seconds"] = round(time.perf_counter() - start, 1)
    write_report(results, args.report, extra)
    if not args.keep_roots:  # a root whose notebooks all passed holds nothing left to inspect
        for root in {j.root for j in jobs}:
            if all(results[j.name].ok for j in jobs if j.root == root):
                shutil.rmtree(args.out / "roots" / root, ignore_errors=True)
    print(table(results))
    failed = {name: r for name, r in results.items() if not r.ok}
    for name, result in failed.items():
        print(f"rehearsal FAILED: {name}: {result.status}", file=sys.stderr)
    print(f"rehearsal: {len(results) - len(failed)}/{len(results)} ok in {extra['seconds']:.0f} s;"
          f" report in {args.report}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
