"""Build a local mirror of every source the course downloads (issue 13).

    python tools/build_mirror.py ROOT [--data ../shared/data] [--only osie salicon ...]
                                      [--salicon-images 200] [--jobs 1] [--force]

Writes ``ROOT/<host>/<path>`` for each URL, Drive files under ``ROOT/.drive/<id>/``
and the checksum manifest ``ROOT/manifest.json`` (format in ``tools/rehearsal/mirror.py``).
Datasets are rebuilt from the real data in ``--data`` in their official layouts;
weights hold random values in their official formats. ``--salicon-images 10000``
builds SALICON at its real size (10,000 / 5,000 / 5,000 images, tiled from the real
ones). Serve it with ``tools/rehearse.py`` (or ``python -m rehearsal.server ROOT``
from ``tools/``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rehearsal.build import REPO, SOURCES, Options, build_mirror  # noqa: E402


def default_data() -> Path:
    """``$SALIENCY_COURSE_TEST_DATA``, else ``../shared/data`` beside the repository."""
    env = os.environ.get("SALIENCY_COURSE_TEST_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="mirror folder to write")
    parser.add_argument("--data", type=Path, default=default_data(), help="real data folder")
    parser.add_argument("--only", nargs="+", choices=sorted(SOURCES), help="sources to build")
    parser.add_argument("--salicon-images", type=int, default=200, help="SALICON train images")
    parser.add_argument("--jobs", type=int, default=1, help="processes for SALICON")
    parser.add_argument("--force", action="store_true", help="rebuild up-to-date sources")
    args = parser.parse_args(argv)
    options = Options(data=args.data.resolve(), salicon_images=args.salicon_images, jobs=args.jobs)
    start, cpu = time.perf_counter(), time.process_time()
    report = build_mirror(
        args.root,
        options,
        only=args.only,
        force=args.force,
        log=lambda line: print(line, file=sys.stderr),
    )
    report["seconds"] = round(time.perf_counter() - start, 1)
    report["cpu_seconds"] = round(time.process_time() - cpu, 1)
    print(json.dumps(report, indent=1))
    if report["uncovered"]:
        print("warning: the package downloads URLs the mirror does not serve:", file=sys.stderr)
        print("\n".join(f"  {u}" for u in report["uncovered"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
