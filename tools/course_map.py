"""Render the README's course map from ``notebooks/manifest.toml``.

``python tools/course_map.py`` prints the table; ``--write`` replaces the block
between the course-map markers in README.md. ``tests/test_hygiene.py`` fails when
README.md and the manifest disagree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "notebooks" / "manifest.toml"
README = REPO / "README.md"
START, END = "<!-- course-map:start -->", "<!-- course-map:end -->"
COLAB = (
    "https://colab.research.google.com/github/saliency-course/saliency-course/blob/main/notebooks/"
)


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    """The manifest's notebook entries, in teaching order."""
    with open(path, "rb") as handle:
        return tomllib.load(handle)["notebook"]


def render(entries: list[dict]) -> str:
    """A Markdown table: notebook, what it teaches, runtime, datasets, Colab link."""
    lines = [
        "| # | notebook | what it teaches | runs on | datasets | |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for entry in entries:
        stem = entry["file"].removesuffix(".ipynb")
        number = stem.split("_", 1)[0]
        lines.append(
            f"| {number} | [{entry['title']}](notebooks/{entry['file']}) | {entry['summary']} "
            f"| {entry['accelerator'].upper()} | {', '.join(entry['datasets'])} "
            f"| [Colab]({COLAB}{entry['file']}) |"
        )
    return "\n".join(lines)


def readme_block(text: str) -> str:
    """The text between the course-map markers of a README."""
    start, end = text.index(START) + len(START), text.index(END)
    return text[start:end].strip()


def write_readme(entries: list[dict], readme: Path = README) -> None:
    text = readme.read_text()
    start, end = text.index(START) + len(START), text.index(END)
    readme.write_text(text[:start] + "\n" + render(entries) + "\n" + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    entries = load_manifest()
    if parser.parse_args().write:
        write_readme(entries)
    else:
        print(render(entries))


if __name__ == "__main__":
    main()
