"""Write ``saliency_course/data/video/checksums.py`` from unchanged copies of the GitHub files.

``python tools/video_checksums.py [DATA]`` reads ``DATA/video/dhf1k`` and
``DATA/video/ucf_sports/testing/Diving-Side-001`` (default ``../shared/data``),
the copies described in their ``SOURCE.md`` (each file's git blob id equals the
one at the pinned commit), and rewrites the module. ``--check`` only compares,
exiting 1 on a difference. ``tests/test_video_sources.py`` runs the comparison.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from saliency_course.data.video.sources import render_table  # noqa: E402

MODULE = REPO / "saliency_course" / "data" / "video" / "checksums.py"
#: constant name -> (folder below DATA/video, source repository at its commit)
TABLES = {
    "DHF1K_LU_HSUAN": (
        "dhf1k",
        "Lu-Hsuan/DHF1K_fixation_visualization@9f7945a9ca60ffcb9f76c1f5ac249606690d2fa6",
    ),
    "UCF_SPORTS_SALAR": (
        "ucf_sports/testing/Diving-Side-001",
        "arsalasif/SalAR@eee0855199233177df0fce80f2a0612b8774ac1f, "
        "dataloaders/ucf/testing/Diving-Side-001",
    ),
}
HEADER = '''"""SHA-256 and size of each file the video loaders fetch from GitHub (generated).

Written by ``python tools/video_checksums.py`` from the unchanged copies in
``../shared/data/video`` (each file's git blob id checked against the pinned
commit); do not edit by hand. Format: a ``<folder>/`` line (``./`` for the top), then
``<sha256> <size in bytes> <name>`` for each file in it.
"""
'''


def render_module(data: Path) -> str:
    parts = [HEADER]
    for name, (folder, origin) in TABLES.items():
        parts.append(f'\n#: {origin}\n{name} = """\\\n{render_table(data / "video" / folder)}"""\n')
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if different")
    args = parser.parse_args(argv)
    text = render_module(args.data)
    if args.check:
        same = MODULE.is_file() and MODULE.read_text() == text
        print(f"{MODULE}: {'up to date' if same else 'DIFFERS from ' + str(args.data)}")
        return 0 if same else 1
    MODULE.write_text(text)
    print(f"wrote {MODULE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
