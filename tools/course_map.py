"""Generate the README's course map and every spelling of the repository's address.

One constant, ``REPOSITORY`` in ``saliency_course/config.py``, names the course's
public repository. This tool copies it into the README (the course map, built
from ``notebooks/manifest.toml``, and its other Colab links), each notebook's
Colab badge (the badge line of its first cell) and Colab install cell,
``notebooks/TEMPLATE.md`` and ``pyproject.toml``'s ``[project.urls]``. So
publishing under another name is one edit of that constant and one
``python tools/course_map.py --write``.

``python tools/course_map.py`` prints the course map; ``--write`` rewrites every
generated place (notebooks as JSON: only those two cells change, outputs stay
empty); ``--check`` exits 1 naming each file that disagrees and each file that
spells the repository out by hand. ``tests/test_hygiene.py`` runs the same checks.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
CONFIG = Path("saliency_course") / "config.py"
MANIFEST_FILE = Path("notebooks") / "manifest.toml"
README_FILE = Path("README.md")
TEMPLATE_FILE = Path("notebooks") / "TEMPLATE.md"
PYPROJECT_FILE = Path("pyproject.toml")
MANIFEST = REPO / MANIFEST_FILE
README = REPO / README_FILE
START, END = "<!-- course-map:start -->", "<!-- course-map:end -->"
BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"
COLAB_LINK = re.compile(
    r"https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/notebooks/"
)
GIT_INSTALL = re.compile(r"git\+https://github\.com/[\w.-]+/[\w.-]+")
PROJECT_URLS = re.compile(r"(^\[project\.urls\]\n)(.*?)(?=^\[|\Z)", re.M | re.S)
INSTALL_MARK = '"google.colab" in sys.modules'
FENCED_PYTHON = re.compile(r"^( *)```python\n(.*?)^\1```", re.M | re.S)


def read_repository(root: Path = REPO) -> str:
    """``REPOSITORY`` of ``saliency_course/config.py``, read without importing the package."""
    tree = ast.parse((root / CONFIG).read_text())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["REPOSITORY"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            url = node.value.value
            if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
                raise ValueError(
                    f"REPOSITORY in {CONFIG} must look like https://github.com/OWNER/NAME "
                    f"(Colab opens notebooks from GitHub), got {url!r}"
                )
            return url
    raise ValueError(f"{CONFIG} has no REPOSITORY = '<https://github.com/OWNER/NAME>' line")


def owner_name(repository: str) -> str:
    """``OWNER/NAME`` of a GitHub address."""
    return repository.removeprefix("https://github.com/")


def colab_prefix(repository: str) -> str:
    """The Colab address of the repository's ``notebooks/`` folder (a notebook's name follows)."""
    return f"https://colab.research.google.com/github/{owner_name(repository)}/blob/main/notebooks/"


def badge(repository: str, notebook: str) -> str:
    """The Markdown "Open in Colab" badge of ``notebook``."""
    return f"[![Open In Colab]({BADGE_SVG})]({colab_prefix(repository)}{notebook})"


def install_cell(repository: str) -> list[str]:
    """The source lines of a notebook's Colab install cell."""
    return [
        "import sys\n",
        "\n",
        f"if {INSTALL_MARK}:  # Colab already has torch: install the course package only\n",
        f'    %pip install -q "saliency-course @ git+{repository}"',
    ]


REPOSITORY = read_repository()
COLAB = colab_prefix(REPOSITORY)


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    """The manifest's notebook entries, in teaching order."""
    with open(path, "rb") as handle:
        return tomllib.load(handle)["notebook"]


def render(entries: list[dict], repository: str = REPOSITORY) -> str:
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
            f"| [Colab]({colab_prefix(repository)}{entry['file']}) |"
        )
    return "\n".join(lines)


def readme_block(text: str) -> str:
    """The text between the course-map markers of a README."""
    start, end = text.index(START) + len(START), text.index(END)
    return text[start:end].strip()


def _links(text: str, repository: str) -> str:
    """``text`` with every Colab notebooks link and ``git+`` install address made current."""
    text = COLAB_LINK.sub(colab_prefix(repository), text)
    return GIT_INSTALL.sub(f"git+{repository}", text)


def render_readme(text: str, repository: str, entries: list[dict]) -> str:
    start, end = text.index(START) + len(START), text.index(END)
    text = text[:start] + "\n" + render(entries, repository) + "\n" + text[end:]
    return _links(text, repository)


def render_template(text: str, repository: str) -> str:
    """TEMPLATE.md with its badge example and its install-cell example made current."""
    blocks = [m for m in FENCED_PYTHON.finditer(text) if INSTALL_MARK in m.group(2)]
    if BADGE_SVG not in text or len(blocks) != 1:
        raise ValueError(f"{TEMPLATE_FILE} must show the Colab badge and one install-cell example")
    indent = blocks[0].group(1)
    cell = "".join(indent + line if line.strip() else line for line in install_cell(repository))
    start, end = blocks[0].span(2)
    return _links(text[:start] + cell + "\n" + text[end:], repository)


def render_pyproject(text: str, repository: str) -> str:
    if PROJECT_URLS.search(text) is None:
        raise ValueError(f"{PYPROJECT_FILE} has no [project.urls] table")
    urls = f'Homepage = "{repository}"\nRepository = "{repository}"\n\n'
    return PROJECT_URLS.sub(lambda m: m.group(1) + urls, text, count=1)


def _source(cell: dict) -> list[str]:
    source = cell["source"]
    return source.splitlines(keepends=True) if isinstance(source, str) else list(source)


def _dump(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def render_notebook(text: str, repository: str, name: str) -> str:
    """The notebook ``name`` (JSON text) with its badge line and install cell made current.

    Every other byte stays as it is; a file not in nbformat's JSON layout is refused.
    """
    notebook = json.loads(text)
    if _dump(notebook) != text:
        raise ValueError(f"{name} is not in nbformat's JSON layout: save it with Jupyter first")
    first = notebook["cells"][0]
    lines = _source(first)
    badges = [i for i, line in enumerate(lines) if BADGE_SVG in line]
    if first["cell_type"] != "markdown" or len(badges) != 1:
        raise ValueError(f"{name}: the first cell must be markdown with one Colab badge line")
    ending = "\n" if lines[badges[0]].endswith("\n") else ""
    lines[badges[0]] = badge(repository, name) + ending
    first["source"] = lines
    installs = [
        c
        for c in notebook["cells"]
        if c["cell_type"] == "code" and INSTALL_MARK in "".join(_source(c))
    ]
    if len(installs) != 1:
        raise ValueError(f"{name}: expected one Colab install cell, found {len(installs)}")
    installs[0]["source"] = install_cell(repository)
    return _dump(notebook)


def generated(root: Path = REPO) -> dict[Path, Callable[[str], str]]:
    """Each generated file (relative to ``root``) and the function that renders it."""
    repository = read_repository(root)
    entries = load_manifest(root / MANIFEST_FILE)
    targets: dict[Path, Callable[[str], str]] = {
        README_FILE: lambda text: render_readme(text, repository, entries),
        TEMPLATE_FILE: lambda text: render_template(text, repository),
        PYPROJECT_FILE: lambda text: render_pyproject(text, repository),
    }
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        name = path.name
        targets[path.relative_to(root)] = lambda text, name=name: render_notebook(
            text, repository, name
        )
    return targets


def stale_files(root: Path = REPO) -> list[Path]:
    """Generated files whose content differs from what ``--write`` would make."""
    return [
        path
        for path, make in generated(root).items()
        if make((root / path).read_text(encoding="utf-8"))
        != (root / path).read_text(encoding="utf-8")
    ]


def write(root: Path = REPO) -> list[Path]:
    """Rewrite every stale generated file; returns those rewritten."""
    changed = stale_files(root)
    targets = generated(root)
    for path in changed:
        text = (root / path).read_text(encoding="utf-8")
        (root / path).write_text(targets[path](text), encoding="utf-8")
    return changed


def _without_generated(path: Path, text: str) -> str:
    """``text`` of ``path`` minus the places this tool generates."""
    if path == CONFIG:
        return ""
    if path == PYPROJECT_FILE:
        return PROJECT_URLS.sub("", text)
    if path.suffix == ".ipynb" and path.parent.name == "notebooks":
        cells = json.loads(text)["cells"]
        kept = [
            "".join(line for line in _source(c) if BADGE_SVG not in line)
            for c in cells
            if INSTALL_MARK not in "".join(_source(c))
        ]
        return "\n".join(kept)
    if path in (README_FILE, TEMPLATE_FILE):
        return GIT_INSTALL.sub("", COLAB_LINK.sub("", text))
    return text


def stray_mentions(root: Path = REPO) -> list[Path]:
    """Tracked files that spell the repository (``OWNER/NAME``) outside generated places."""
    name = owner_name(read_repository(root))
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.decode()
    found = []
    for rel in filter(None, listed.split("\0")):
        path = root / rel
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        if name in _without_generated(Path(rel), text):
            found.append(Path(rel))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="rewrite every generated place")
    action.add_argument("--check", action="store_true", help="exit 1 if any place disagrees")
    parser.add_argument("--root", type=Path, default=REPO, help="repository root (default: here)")
    args = parser.parse_args(argv)
    if args.write:
        for path in write(args.root):
            print(f"rewrote {path}")
        return 0
    if args.check:
        problems = [
            f"{p}: stale, run `python tools/course_map.py --write`" for p in stale_files(args.root)
        ]
        problems += [
            f"{p}: spells the repository out; use config.REPOSITORY or a generated place"
            for p in stray_mentions(args.root)
        ]
        print("\n".join(problems) or f"all generated from {read_repository(args.root)}")
        return 1 if problems else 0
    print(render(load_manifest(args.root / MANIFEST_FILE), read_repository(args.root)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
