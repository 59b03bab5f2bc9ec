"""Build the lecture decks: one self-contained reveal.js file per notebook, and an index.

    python tools/build_slides.py [--mode smoke|full] [--data DIR] [--weights official|checkpoint]
                                 [--jobs N] [--force] [--out build/slides] [NN ...]

``make slides`` runs it (``SLIDES_MODE``, ``SLIDES_ARGS``). Each notebook of
``notebooks/manifest.toml`` (or only those whose number is given) is executed,
then converted with nbconvert's reveal.js template into
``<out>/<notebook>.slides.html``; ``<out>/index.html`` lists the decks in course
order and ``<out>/decks.json`` records what was built.

Executed copies
    Smoke mode (the default; offline, CPU, real data from ``$SALIENCY_COURSE_TEST_DATA``
    or ``../shared/data``) reuses ``build/executed/<notebook>`` -- which ``make test``
    writes -- when it is newer than the notebook, ran without error with the same
    parameters; it executes only the missing or stale ones, with papermill, into the
    same folder. Full mode (``SMOKE=False``: a GPU and the data) keeps its copies in
    ``<out>/executed/``. ``--force`` executes every notebook again.

Trained weights
    In full mode, ``--weights official`` (the default: the authors' weights, used from
    the cache when they are there) or ``--weights checkpoint`` (the trained runs under
    ``<data root>/runs/<RUN_NAME>/``, as ``saliency-course train`` writes them) is
    passed as the ``WEIGHTS`` parameter to every notebook whose parameters cell
    declares ``WEIGHTS``; ``--data`` becomes ``DATA_DIR``. Labels such as "[untrained]"
    that a notebook prints or puts in its figures stay on the slides.

Decks
    Cells take their role from their ``slideshow`` metadata (``slide``, ``subslide``,
    ``fragment``, ``skip``, ``notes``). reveal.js, its speaker-notes plugin and, where a
    notebook has maths, MathJax are inlined from the npm packages pinned in
    ``tools/slides/package-lock.json`` (``make slides`` installs them with ``npm ci``);
    figures are data URIs; nothing is fetched from the network when a deck is shown.
    A deck leaves out stderr, progress bars, papermill's injected-parameters cell, the
    worked answers that ``make test`` inserts to check the exercises, and
    the input of code cells tagged ``hide-input``; an interactive widget becomes a
    note to present the notebook live with RISE; the Colab badge becomes a text link.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import os
import re
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
EXECUTED = REPO / "build" / "executed"
#: Tag prefix of the cells ``tests/exercise_harness.py`` inserts (worked answers and checks).
HARNESS_PREFIX = "exercise-harness-"
OUT = REPO / "build" / "slides"
ASSETS = REPO / "tools" / "slides" / "node_modules"
TEMPLATES = REPO / "tools" / "slides" / "templates"
TEMPLATE = "course-slides"
ROLES = frozenset({"slide", "subslide", "fragment", "skip", "notes", "-"})
HIDDEN = frozenset({"skip", "notes"})
WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PROGRESS_MODELS = {"FloatProgressModel", "IntProgressModel"}
TQDM_TEXT = re.compile(r"\d+%\|")
COLAB_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\(([^)]*)\)")
MATH = re.compile(r"\$[^$\n]+\$|\$\$|\\\(|\\\[")
LIVE_WIDGET = (
    '<p class="sc-live-widget">Interactive widget: present this notebook live '
    "(<code>make lab</code>, then RISE) to use it.</p>"
)
DECK_SIZE = (1280, 800)
COURSE_CSS = """
:root { --r-main-font: system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
        --r-heading-font: var(--r-main-font); --r-heading-text-transform: none;
        --jp-ui-font-size1: 20px; --jp-content-font-size1: 20px; --jp-code-font-size: 19px; }
a.anchor-link { display: none; }
.reveal .slides > section > section { height: 100%; overflow-y: auto; }
.reveal .jp-OutputArea-output img { max-height: 520px; width: auto; max-width: 100%; }
.reveal .sc-live-widget { font-style: italic; color: #555; }
"""


def slide_roles(nb) -> list[str]:
    """Each cell's slide role (``slideshow.slide_type``; ``"-"``: continue the current slide)."""
    return [c.get("metadata", {}).get("slideshow", {}).get("slide_type", "-") for c in nb["cells"]]


def has_slide_metadata(nb) -> bool:
    """True when any cell carries a ``slideshow.slide_type``."""
    return any("slide_type" in c.get("metadata", {}).get("slideshow", {}) for c in nb["cells"])


def slide_count(nb) -> int:
    """Number of slides reveal.js will show: what nbconvert's reveal template renders.

    The first visible cell (not ``skip`` or ``notes``) opens the first slide whatever
    its role; after it, each ``slide`` or ``subslide`` cell opens one more
    (``Reveal.getTotalSlides()`` counts subslides as slides). No visible cell: 0.
    """
    roles = slide_roles(nb)
    visible = [i for i, role in enumerate(roles) if role not in HIDDEN]
    if not visible:
        return 0
    return 1 + sum(role in ("slide", "subslide") for role in roles[visible[0] + 1 :])


@dataclass(frozen=True)
class Assets:
    """What a deck inlines: reveal.js (script, styles, theme), its notes plugin, MathJax."""

    reveal_js: str
    notes_js: str
    reveal_css: str
    theme_css: str
    mathjax_js: str

    @classmethod
    def load(cls, root: Path = ASSETS) -> Assets:
        files = {
            "reveal_js": "reveal.js/dist/reveal.js",
            "notes_js": "reveal.js/plugin/notes/notes.js",
            "reveal_css": "reveal.js/dist/reveal.css",
            "theme_css": "reveal.js/dist/theme/white.css",
            "mathjax_js": "mathjax/es5/tex-svg.js",
        }
        missing = [path for path in files.values() if not (root / path).is_file()]
        if missing:
            raise FileNotFoundError(
                f"reveal.js/MathJax files missing under {root}: {missing}; install them with "
                "`npm ci --prefix tools/slides` (make slides does)"
            )
        text = {key: (root / path).read_text(encoding="utf-8") for key, path in files.items()}
        # the theme's web font is a file beside it: use the system font (COURSE_CSS) instead
        text["theme_css"] = re.sub(r"@import url\([^)]*\);", "", text["theme_css"])
        for key in ("reveal_js", "notes_js", "mathjax_js"):  # never close the inline <script>
            text[key] = text[key].replace("</script", "<\\/script")
        return cls(**text)


def _widget_models(nb) -> dict:
    return nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def _is_progress_bar(output, models: dict) -> bool:
    """tqdm's bar: an HBox of HTML and a progress model (or its text form without state)."""
    model = models.get(output["data"][WIDGET].get("model_id"))
    if model is None:
        return bool(TQDM_TEXT.search("".join(output["data"].get("text/plain", ""))))
    children = [
        models.get(child.removeprefix("IPY_MODEL_"), {}).get("model_name")
        for child in model.get("state", {}).get("children", [])
    ]
    return (
        model.get("model_name") == "HBoxModel"
        and bool(PROGRESS_MODELS & set(children))
        and set(children) <= PROGRESS_MODELS | {"HTMLModel"}
    )


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def prepare(nb):
    """A copy of an executed notebook ready for the deck (see the module docstring)."""
    import nbformat

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not any(t.startswith(HARNESS_PREFIX) for t in _tags(c))]
    models = _widget_models(nb)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = "skip"
        if "hide-input" in tags:
            cell.metadata.setdefault("transient", {})["remove_source"] = True
        if cell.cell_type == "markdown":
            cell.source = COLAB_BADGE.sub(r"[Open in Colab](\1)", cell.source)
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            if WIDGET in output.get("data", {}):
                if _is_progress_bar(output, models):
                    continue
                output = nbformat.v4.new_output(
                    "display_data",
                    data={"text/html": LIVE_WIDGET, "text/plain": "[interactive widget]"},
                )
            outputs.append(output)
        cell.outputs = outputs
    nb.metadata.pop("widgets", None)
    return nb


def has_math(nb) -> bool:
    """True when a markdown cell the deck shows holds TeX that MathJax must typeset.

    ``skip`` cells never reach the deck, so their TeX does not count.
    """
    return any(
        c.cell_type == "markdown" and role != "skip" and MATH.search(c.source)
        for c, role in zip(nb.cells, slide_roles(nb), strict=True)
    )


def convert(nb, title: str, assets: Assets) -> str:
    """The deck of an executed notebook, as one HTML text that loads nothing else."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    deck = prepare(nb)
    config = Config()
    config.SlidesExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.SlidesExporter.template_name = TEMPLATE
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    config.SlidesExporter.embed_images = True
    width, height = DECK_SIZE
    resources = {
        "deck": {
            "title": title,
            "reveal_js": assets.reveal_js,
            "notes_js": assets.notes_js,
            "reveal_css": assets.reveal_css,
            "theme_css": assets.theme_css,
            "course_css": COURSE_CSS,
            "mathjax_js": assets.mathjax_js if has_math(deck) else "",
            "width": width,
            "height": height,
        }
    }
    body, _ = SlidesExporter(config=config).from_notebook_node(deck, resources=resources)
    return body


# -- execution -----------------------------------------------------------------------


def find_data() -> Path | None:
    """The real test data, found as the tests do (``$SALIENCY_COURSE_TEST_DATA``)."""
    env = os.environ.get("SALIENCY_COURSE_TEST_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path.resolve() if path.is_dir() else None


def declared(source: Path, variable: str) -> bool:
    """True when the notebook's ``parameters`` cell assigns ``variable``."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            text = "".join(cell["source"])
            return re.search(rf"^{variable}\s*=", text, re.M) is not None
    return False


def parameters_for(source: Path, mode: str, data: Path | None, weights: str | None) -> dict:
    """papermill parameters of one notebook in ``mode``."""
    if mode == "smoke":
        if data is None:
            raise FileNotFoundError(
                "smoke mode needs the real test data: set SALIENCY_COURSE_TEST_DATA or pass "
                "--data (a folder laid out like shared/data)"
            )
        return {"SMOKE": True, "DATA_DIR": str(data), "DEVICE": "cpu", "SEED": 0}
    parameters = {"SMOKE": False, "DEVICE": "auto", "SEED": 0}
    if data is not None:
        parameters["DATA_DIR"] = str(data)
    if weights and declared(source, "WEIGHTS"):
        parameters["WEIGHTS"] = weights
    return parameters


def is_fresh(executed: Path, source: Path, parameters: dict) -> bool:
    """True when ``executed`` ran ``source`` after its last change, without error, as asked."""
    if not executed.is_file() or executed.stat().st_mtime <= source.stat().st_mtime:
        return False
    nb = json.loads(executed.read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("papermill", {})
    ran = meta.get("parameters", {})
    same = all(ran.get(k) == v for k, v in parameters.items() if k != "DATA_DIR")
    complete = all(
        c.get("execution_count") is not None for c in nb["cells"] if c["cell_type"] == "code"
    )
    return same and complete and not meta.get("exception")


def execute(source: Path, executed: Path, parameters: dict, env: dict, timeout: int | None):
    """Run ``source`` with papermill into ``executed`` (written whole, then renamed)."""
    import papermill

    os.environ.update(env)
    executed.parent.mkdir(parents=True, exist_ok=True)
    partial = executed.with_name(f".{executed.stem}.partial.ipynb")
    start = time.perf_counter()
    papermill.execute_notebook(
        str(source),
        str(partial),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(source.parent),
        progress_bar=False,
        execution_timeout=timeout,
    )
    partial.replace(executed)
    return time.perf_counter() - start


# -- the index ------------------------------------------------------------------------


@dataclass
class Deck:
    """What ``decks.json`` records of one built deck."""

    notebook: str
    deck: str
    title: str
    summary: str
    slides: int
    has_slide_metadata: bool
    executed: str
    reused: bool
    seconds_executing: float


def render_index(decks: list[Deck], mode: str) -> str:
    """``index.html``: the decks in course order, self-contained."""
    rows = "\n".join(
        f"<tr><td>{html.escape(d.notebook.split('_', 1)[0])}</td>"
        f'<td><a href="{html.escape(d.deck)}">{html.escape(d.title)}</a></td>'
        f"<td>{html.escape(d.summary)}</td><td>{d.slides}"
        f"{'' if d.has_slide_metadata else ' <small>(no slide metadata yet)</small>'}</td></tr>"
        for d in decks
    )
    note = (
        "Built in <b>smoke mode</b>: tiny inputs and untrained deep models, labelled "
        "[untrained] where a notebook says so. Build with <code>SLIDES_MODE=full</code> on a "
        "GPU for the lecture's figures."
        if mode == "smoke"
        else "Built in <b>full mode</b>: the papers' sizes and trained weights."
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>saliency-course: lecture decks</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 0.45em; text-align: left; vertical-align: top; }}
td:last-child, th:last-child {{ text-align: right; }}
</style></head>
<body>
<h1>Visual saliency prediction: lecture decks</h1>
<p>{note} In a deck: arrow keys move, <kbd>S</kbd> opens the speaker notes,
<kbd>F</kbd> full screen, <kbd>Esc</kbd> the overview.</p>
<table>
<thead><tr><th>#</th><th>deck</th><th>what it teaches</th><th>slides</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


# -- the command ------------------------------------------------------------------------


def build(
    entries: list[dict],
    mode: str = "smoke",
    data: Path | None = None,
    weights: str | None = None,
    jobs: int = 2,
    force: bool = False,
    out: Path = OUT,
    executed_dir: Path | None = None,
) -> list[Deck]:
    """Execute what is missing or stale, convert every notebook, write the index."""
    import nbformat

    assets = Assets.load()
    executed_dir = executed_dir or (EXECUTED if mode == "smoke" else out / "executed")
    out.mkdir(parents=True, exist_ok=True)
    plans = []
    for entry in entries:
        source = NOTEBOOKS / entry["file"]
        parameters = parameters_for(source, mode, data, weights)
        target = executed_dir / entry["file"]
        plans.append(
            (entry, source, target, parameters, force or not is_fresh(target, source, parameters))
        )

    seconds: dict[str, float] = {}
    stale = [p for p in plans if p[4]]
    print(f"{len(plans) - len(stale)} fresh executed copies reused, {len(stale)} to execute")
    if stale:
        with tempfile.TemporaryDirectory(prefix="slides_data_") as data_root:
            env = {"SALIENCY_COURSE_OFFLINE": "1", "SALIENCY_COURSE_DATA": data_root}
            env = env if mode == "smoke" else {}
            with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
                futures = {
                    pool.submit(
                        execute,
                        source,
                        target,
                        parameters,
                        env,
                        max(60, 4 * entry["smoke_seconds"]) if mode == "smoke" else None,
                    ): entry["file"]
                    for entry, source, target, parameters, _ in stale
                }
                for future in as_completed(futures):
                    seconds[futures[future]] = future.result()
                    print(f"  executed {futures[future]} in {seconds[futures[future]]:.0f} s")

    decks = []
    for entry, source, target, _, ran in plans:
        nb = nbformat.read(target, as_version=4)
        name = entry["file"].removesuffix(".ipynb") + ".slides.html"
        _write(out / name, convert(nb, entry["title"], assets))
        committed = json.loads(source.read_text(encoding="utf-8"))
        decks.append(
            Deck(
                notebook=entry["file"],
                deck=name,
                title=entry["title"],
                summary=entry["summary"],
                slides=slide_count(committed),
                has_slide_metadata=has_slide_metadata(committed),
                executed=str(target.relative_to(REPO) if target.is_relative_to(REPO) else target),
                reused=not ran,
                seconds_executing=round(seconds.get(entry["file"], 0.0), 1),
            )
        )
        print(f"  {name}: {decks[-1].slides} slides")
    _write(out / "index.html", render_index(decks, mode))
    _write(out / "decks.json", json.dumps([asdict(d) for d in decks], indent=2) + "\n")
    return decks


def main(argv: list[str] | None = None) -> None:
    sys.path.insert(0, str(REPO / "tools"))
    from course_map import load_manifest

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("numbers", nargs="*", help="notebook numbers to build (default: all)")
    parser.add_argument("--mode", choices=("smoke", "full"), default="smoke")
    parser.add_argument("--data", type=Path, help="data root (smoke: default the test data)")
    parser.add_argument("--weights", choices=("official", "checkpoint"), help="full mode only")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once")
    parser.add_argument("--force", action="store_true", help="execute every notebook again")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.weights and args.mode != "full":
        parser.error("--weights needs --mode full")
    entries = load_manifest()
    if args.numbers:
        entries = [e for e in entries if e["file"].split("_", 1)[0] in args.numbers]
    data = args.data.resolve() if args.data else (find_data() if args.mode == "smoke" else None)
    weights = args.weights or ("official" if args.mode == "full" else None)
    start, cpu = time.perf_counter(), time.process_time()
    decks = build(entries, args.mode, data, weights, args.jobs, args.force, args.out)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"{len(decks)} decks and index.html in {args.out} in {time.perf_counter() - start:.0f} s "
        f"(CPU: {time.process_time() - cpu + children.ru_utime + children.ru_stime:.0f} s)"
    )


if __name__ == "__main__":
    main()
