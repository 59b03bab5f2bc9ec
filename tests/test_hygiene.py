"""Fast checks of the committed notebooks and the manifest (no kernel is started)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lecture_rules import (
    MAX_CODE_LINES,
    long_code_cells,
    slide_problems,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import course_map  # noqa: E402
from course_map import COLAB, README, load_manifest, readme_block, render  # noqa: E402

NOTEBOOKS = REPO / "notebooks"
ENTRIES = load_manifest()
FILES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
REQUIRED_FIELDS = {
    "file",
    "title",
    "summary",
    "accelerator",
    "smoke_seconds",
    "min_figures",
    "datasets",
}
PARAMETERS = ("SMOKE", "DATA_DIR", "DEVICE", "SEED")
TORCH_INSTALL = re.compile(r"(pip|conda)\s+install\b[^\n]*\btorch(vision|audio)?\b")


def test_manifest_and_notebook_folder_agree():
    listed = [entry["file"] for entry in ENTRIES]
    assert len(listed) == len(set(listed)), "a notebook is listed twice in manifest.toml"
    assert sorted(listed) == FILES, "notebooks/ and manifest.toml list different notebooks"
    assert listed == sorted(listed), "manifest.toml must list notebooks in teaching (file) order"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["file"])
def test_manifest_entry_is_complete(entry):
    assert REQUIRED_FIELDS <= set(entry), f"missing fields: {REQUIRED_FIELDS - set(entry)}"
    assert entry["accelerator"] in {"cpu", "gpu"}
    assert 0 < entry["smoke_seconds"] <= 90
    assert entry["min_figures"] >= 1


def test_readme_course_map_is_generated_from_the_manifest():
    assert readme_block(README.read_text()) == render(ENTRIES), (
        "README course map is stale: run `python tools/course_map.py --write`"
    )


def test_repository_address_is_generated_from_one_constant():
    from saliency_course import config
    from saliency_course.data import download

    assert course_map.REPOSITORY == config.REPOSITORY
    assert config.REPOSITORY in download.USER_AGENT
    assert course_map.stale_files() == [], "run `python tools/course_map.py --write`"
    assert course_map.stray_mentions() == [], (
        "these files spell the repository out: use config.REPOSITORY or a generated place"
    )


def test_publishing_under_another_name_is_one_edit_and_one_command(tmp_path):
    """Copy what the tool generates, change REPOSITORY, run --write: nothing names the old one."""
    old = course_map.owner_name(course_map.REPOSITORY)
    copied = [
        course_map.CONFIG,
        course_map.MANIFEST_FILE,
        course_map.README_FILE,
        course_map.TEMPLATE_FILE,
        course_map.PYPROJECT_FILE,
        *(p.relative_to(REPO) for p in NOTEBOOKS.glob("*.ipynb")),
    ]
    for rel in copied:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, tmp_path / rel)
    config_py = tmp_path / course_map.CONFIG
    config_py.write_text(config_py.read_text().replace(old, "acme-school/saliency.course"))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)

    def tool(*args):
        command = [sys.executable, str(REPO / "tools" / "course_map.py"), *args]
        return subprocess.run(command + ["--root", str(tmp_path)], capture_output=True, text=True)

    check = tool("--check")
    assert check.returncode == 1 and "README.md: stale" in check.stdout
    assert tool("--write").returncode == 0
    assert tool("--check").returncode == 0
    for rel in copied[2:]:
        text = (tmp_path / rel).read_text()
        assert old not in text and "acme-school/saliency.course" in text, rel
    before = {rel: (tmp_path / rel).read_bytes() for rel in copied}
    assert tool("--write").returncode == 0  # a second run changes nothing
    assert before == {rel: (tmp_path / rel).read_bytes() for rel in copied}
    (tmp_path / "notes.md").write_text("Clone https://github.com/acme-school/saliency.course\n")
    subprocess.run(["git", "add", "notes.md"], cwd=tmp_path, check=True)
    check = tool("--check")
    assert check.returncode == 1 and "notes.md: spells the repository out" in check.stdout


def test_only_the_badge_and_install_cell_are_generated_in_a_notebook():
    name = FILES[0]
    text = (NOTEBOOKS / name).read_text()
    other = "https://github.com/acme-school/saliency.course"
    before, after = json.loads(text), json.loads(course_map.render_notebook(text, other, name))
    assert len(before["cells"]) == len(after["cells"])
    pairs = zip(before["cells"], after["cells"], strict=True)
    assert [i for i, (a, b) in enumerate(pairs) if a != b] == [0, 1]
    assert before["metadata"] == after["metadata"]
    assert course_map.badge(other, name) in _source(after["cells"][0])
    assert _source(after["cells"][0]).replace(course_map.badge(other, name), "") == _source(
        before["cells"][0]
    ).replace(course_map.badge(course_map.REPOSITORY, name), "")
    assert f"git+{other}" in _source(after["cells"][1])


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.parametrize("name", FILES)
def test_notebook_is_clean_and_follows_the_template(name):
    path = NOTEBOOKS / name
    assert path.stat().st_size < 200_000, f"{name} is over 200 KB"
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    cells = nb["cells"]

    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"cell {i} has outputs: clear them before committing"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"
        source = _source(cell)
        assert not TORCH_INSTALL.search(source), f"cell {i} installs torch (never on Colab)"
        assert "sys.path" not in source, f"cell {i} edits sys.path: install the package instead"

    first = cells[0]
    assert first["cell_type"] == "markdown" and "colab-badge.svg" in _source(first)
    assert COLAB + name in _source(first), "the Colab badge must link this notebook's own path"

    parameters = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(parameters) == 1, f"{len(parameters)} cells tagged 'parameters', expected 1"
    for variable in PARAMETERS:
        assert re.search(rf"^{variable}\s*=", _source(parameters[0]), re.M), (
            f"the parameters cell does not set {variable}"
        )


# -- lecture rules (issues 17 and 18.6), in tests/lecture_rules.py -------------------------


@pytest.mark.parametrize("name", FILES)
def test_notebook_slide_metadata_makes_a_deck(name):
    problems = slide_problems(json.loads((NOTEBOOKS / name).read_text()))
    assert not problems, f"{name}: " + "; ".join(problems)


@pytest.mark.parametrize("name", FILES)
def test_notebook_code_cells_are_short(name):
    long = long_code_cells(json.loads((NOTEBOOKS / name).read_text()))
    assert not long, f"{name}: code cells over {MAX_CODE_LINES} lines (cell, lines): {long}"
