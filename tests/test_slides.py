"""The lecture decks: slide counting, the deck rules, the builder, and each deck in Chromium.

The builder's pieces are checked here on fixture notebooks
(``tests/fixtures/slides/deck.ipynb`` is a real executed notebook with every slide
role, figures, maths, stderr, a progress bar and a widget). The browser tests open
decks from disk in Debian's Chromium with every request that would leave the disk
blocked: the fixture's deck whenever the inlined assets are installed
(``npm ci --prefix tools/slides``), and every deck that ``make slides`` built when
``SLIDES_DIR`` names its folder (``.ci/run`` sets ``SLIDES_DIR=build/slides``).
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from lecture_rules import MAX_SLIDES, MIN_SLIDES, long_code_cells, slide_problems

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import build_slides  # noqa: E402
from build_slides import Assets, convert, is_fresh, prepare, slide_count  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "slides" / "deck.ipynb"
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")
SLIDES_DIR = os.environ.get("SLIDES_DIR")
CI = os.environ.get("CI", "").lower() == "true"
STAND_IN = Assets(
    reveal_js="/*REVEAL-JS*/ window.Reveal = {};",
    notes_js="/*NOTES-JS*/ window.RevealNotes = {};",
    reveal_css="/*REVEAL-CSS*/",
    theme_css="/*THEME-CSS*/",
    mathjax_js="/*MATHJAX-JS*/",
)


def fixture():
    return nbformat.read(FIXTURE, as_version=4)


def with_roles(roles: list[str]):
    """A notebook of one markdown cell per role (``"-"``: no slideshow metadata)."""
    nb = nbformat.v4.new_notebook()
    for i, role in enumerate(roles):
        cell = nbformat.v4.new_markdown_cell(f"cell {i}")
        if role != "-":
            cell.metadata["slideshow"] = {"slide_type": role}
        nb.cells.append(cell)
    return nb


class LeafSections(HTMLParser):
    """Counts the ``<section>`` elements holding no other section: reveal.js's slides."""

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # per open section: has it a child section?
        self.leaves = 0

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            if self.stack:
                self.stack[-1] = True
            self.stack.append(False)

    def handle_endtag(self, tag):
        if tag == "section":
            self.leaves += not self.stack.pop()


def stock_slides(nb) -> int:
    """Slides in nbconvert's own reveal export (its stock template), counted in the HTML."""
    from nbconvert import SlidesExporter

    body, _ = SlidesExporter().from_notebook_node(nb)
    parser = LeafSections()
    parser.feed(body)
    return parser.leaves


ROLE_PATTERNS = [
    ["slide", "-", "fragment", "slide", "subslide", "notes", "-", "subslide"],
    ["-", "-", "slide", "-"],  # the first visible cell opens a slide without a role
    ["skip", "notes", "fragment", "subslide", "skip", "slide"],
    ["subslide", "subslide", "skip", "subslide"],
    ["slide", "skip", "skip", "slide", "notes", "slide", "fragment", "fragment"],
    ["-"],
]


@pytest.mark.parametrize("roles", ROLE_PATTERNS, ids=lambda r: ",".join(r))
def test_slide_count_matches_what_nbconvert_renders(roles):
    nb = with_roles(roles)
    assert slide_count(nb) == stock_slides(nb)


def test_slide_count_of_the_fixture_and_of_hidden_cells():
    assert slide_count(fixture()) == stock_slides(fixture()) == 12
    assert slide_count(with_roles(["skip", "notes"])) == 0


def test_the_fixture_follows_the_deck_rules():
    assert slide_problems(fixture()) == []


def test_deck_rules_catch_each_break():
    nb = fixture()
    assert any("no cell has slide metadata" in p for p in slide_problems(with_roles(["-", "-"])))

    short = copy.deepcopy(nb)
    next(
        c
        for c in short.cells
        if c.metadata.get("slideshow", {}).get("slide_type") == "slide"
        and c.source.startswith("## Summary")
    ).metadata.slideshow.slide_type = "-"
    assert slide_problems(short) == [f"the deck has 11 slides, expected {MIN_SLIDES} to 30"]

    long = copy.deepcopy(nb)
    long.cells += with_roles(["slide"] * (MAX_SLIDES - 11)).cells
    assert slide_problems(long) == [f"the deck has {MAX_SLIDES + 1} slides, expected 12 to 30"]

    shown = copy.deepcopy(nb)
    parameters = next(c for c in shown.cells if "parameters" in c.metadata.get("tags", []))
    parameters.metadata.slideshow.slide_type = "-"
    colab = next(c for c in shown.cells if "google.colab" in c.source)
    del colab.metadata["slideshow"]
    problems = slide_problems(shown)
    assert len(problems) == 2 and all("set-up cell" in p for p in problems)

    typo = copy.deepcopy(nb)
    typo.cells[4].metadata.slideshow.slide_type = "slides"
    assert "slide_type 'slides' is none of" in slide_problems(typo)[0]


def test_long_code_cells_are_found():
    nb = with_roles(["slide"])
    nb.cells += [
        nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(25)) + "\n\n"),
        nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(26))),
    ]
    assert long_code_cells(nb) == [(2, 26)]
    assert long_code_cells(nb, limit=10) == [(1, 25), (2, 26)]


def test_prepare_keeps_the_lecture_and_drops_the_noise():
    deck = prepare(fixture())
    outputs = [o for c in deck.cells if c.cell_type == "code" for o in c.outputs]
    streams = [o for o in outputs if o.output_type == "stream"]
    assert [o.name for o in streams] == ["stdout"]  # the warning on stderr is gone
    html = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert sum(build_slides.LIVE_WIDGET == h for h in html) == 1  # the slider; tqdm dropped
    assert not any(build_slides.WIDGET in o.get("data", {}) for o in outputs)
    assert "widgets" not in deck.metadata
    assert sum(any(m in o.get("data", {}) for m in IMAGE_MIMES) for o in outputs) == 7
    assert deck.cells[0].source.startswith("[Open in Colab](https://colab.research.google.com/")
    injected = next(c for c in deck.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert injected.metadata["slideshow"]["slide_type"] == "skip"
    hidden = next(c for c in deck.cells if "hide-input" in c.metadata.get("tags", []))
    assert hidden.metadata["transient"]["remove_source"] and hidden.outputs
    assert slide_count(deck) == slide_count(fixture())


def test_a_deck_inlines_its_assets_and_loads_nothing():
    html = convert(fixture(), "A fixture deck", STAND_IN)
    for marker in ("REVEAL-JS", "NOTES-JS", "REVEAL-CSS", "THEME-CSS", "MATHJAX-JS"):
        assert html.count(f"/*{marker}*/") == 1, marker
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) == 7
    assert "colab-badge.svg" not in html
    assert "UserWarning" not in html and "stdout stays\n" in html  # stderr left out
    assert "density [untrained]" not in html  # the hide-input cell's code (its figure stays)
    parser = LeafSections()
    parser.feed(html)
    assert parser.leaves == 12
    no_maths = fixture()
    no_maths.cells = [c for c in no_maths.cells if "$" not in c.source]
    assert "MATHJAX-JS" not in convert(no_maths, "no maths", STAND_IN)
    skipped = nbformat.v4.new_markdown_cell("Pixel $x \\in [j - 0.5, j + 0.5)$")
    skipped.metadata["slideshow"] = {"slide_type": "skip"}  # never reaches the deck
    no_maths.cells.append(skipped)
    assert "MATHJAX-JS" not in convert(no_maths, "maths only in a skipped cell", STAND_IN)


def test_the_real_theme_loses_its_web_font_and_scripts_cannot_close_early():
    if not (build_slides.ASSETS / "reveal.js").is_dir():
        pytest.skip("tools/slides/node_modules is missing: `npm ci --prefix tools/slides`")
    assets = Assets.load()
    assert "@import" not in assets.theme_css and "--r-main-font" in assets.theme_css
    assert all(
        "</script" not in js for js in (assets.reveal_js, assets.notes_js, assets.mathjax_js)
    )


def test_missing_assets_say_how_to_install_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="npm ci --prefix tools/slides"):
        Assets.load(tmp_path)


def test_fresh_executed_copies_are_reused_and_stale_ones_not(tmp_path):
    source = tmp_path / "nb.ipynb"
    source.write_text("{}")
    executed = tmp_path / "executed.ipynb"
    nb = fixture()
    params = {"SMOKE": True, "DATA_DIR": "/elsewhere", "DEVICE": "cpu", "SEED": 0}
    nb.metadata.papermill.parameters = {
        "SMOKE": True,
        "DATA_DIR": "/data",
        "DEVICE": "cpu",
        "SEED": 0,
    }
    nbformat.write(nb, executed)
    os.utime(source, (1_000, 1_000))
    assert is_fresh(executed, source, params)  # DATA_DIR may differ: the same data elsewhere
    assert not is_fresh(executed, source, {**params, "SMOKE": False})
    assert not is_fresh(tmp_path / "missing.ipynb", source, params)
    os.utime(executed, (500, 500))
    assert not is_fresh(executed, source, params)  # older than the notebook
    os.utime(executed, None)
    nb.metadata.papermill.exception = True
    nbformat.write(nb, executed)
    assert not is_fresh(executed, source, params)
    nb.metadata.papermill.exception = None
    nb.cells[3].execution_count = None
    nbformat.write(nb, executed)
    assert not is_fresh(executed, source, params)


def test_full_mode_passes_weights_only_to_notebooks_that_declare_them(tmp_path):
    declares = tmp_path / "with.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell('SMOKE = False\nWEIGHTS = "official"\n'))
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, declares)
    silent = tmp_path / "without.ipynb"
    nb.cells[0].source = "SMOKE = False\n"
    nbformat.write(nb, silent)
    data = tmp_path / "data"
    full = build_slides.parameters_for(declares, "full", data, "checkpoint")
    assert full == {
        "SMOKE": False,
        "DEVICE": "auto",
        "SEED": 0,
        "DATA_DIR": str(data),
        "WEIGHTS": "checkpoint",
    }
    assert "WEIGHTS" not in build_slides.parameters_for(silent, "full", None, "official")
    smoke = build_slides.parameters_for(declares, "smoke", data, None)
    assert smoke == {"SMOKE": True, "DATA_DIR": str(data), "DEVICE": "cpu", "SEED": 0}
    with pytest.raises(FileNotFoundError, match="SALIENCY_COURSE_TEST_DATA"):
        build_slides.parameters_for(declares, "smoke", None, None)


def test_the_index_follows_the_course_map():
    decks = [
        build_slides.Deck(
            f"{n}_x.ipynb",
            f"{n}_x.slides.html",
            f"Title {n}",
            "what <it> teaches",
            n + 12,
            True,
            "build/executed/x",
            True,
            0.0,
        )
        for n in (0, 1)
    ]
    page = build_slides.render_index(decks, "smoke")
    assert page.index('href="0_x.slides.html"') < page.index('href="1_x.slides.html"')
    assert "what &lt;it&gt; teaches" in page and "smoke mode" in page
    assert "<script" not in page and "http" not in page


# -- in Chromium ------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _built_decks() -> list[dict]:
    if not SLIDES_DIR:
        return []
    index = Path(SLIDES_DIR) / "decks.json"
    return json.loads(index.read_text()) if index.is_file() else [{"deck": "decks.json missing"}]


@pytest.fixture(scope="module")
def browser():
    chromium = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if chromium is None or sync_playwright is None:
        problem = "Chromium (apt-get install -y chromium) or Python playwright is missing"
        if CI or SLIDES_DIR:
            pytest.fail(problem)
        pytest.skip(problem)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def check_deck(browser, path: Path, slides: int, figures: int, notes: dict | None = None) -> None:
    """Open ``path`` offline; reveal.js must start with ``slides`` slides, every image load,
    nothing leave the disk and no script fail, on every slide; ``notes`` maps a slide index
    to text its speaker notes must hold."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    left_disk, errors = [], []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file:", "data:")):
            request_route.continue_()
        else:
            left_disk.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(path.resolve().as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
        assert page.evaluate("Reveal.getTotalSlides()") == slides
        assert page.evaluate("Reveal.getSlides().length") == slides
        shown_images = 0
        images = "[...Reveal.getCurrentSlide().querySelectorAll('img')]"
        for i in range(slides):
            page.evaluate(
                "i => Reveal.slide(...Object.values(Reveal.getIndices(Reveal.getSlides()[i])))", i
            )
            assert page.evaluate("i => Reveal.getCurrentSlide() === Reveal.getSlides()[i]", i)
            page.wait_for_function(
                f"() => {images}.every(image => image.complete)",
                timeout=10_000,
            )
            sizes = page.evaluate(f"() => {images}.map(image => image.naturalWidth)")
            assert all(width > 0 for width in sizes), f"slide {i + 1}: an image did not load"
            shown_images += len(sizes)
            if notes and i in notes:
                assert notes[i] in page.evaluate("Reveal.getSlideNotes()"), f"slide {i + 1} notes"
        assert shown_images >= figures, f"{shown_images} images on the slides, {figures} figures"
        if page.evaluate("typeof MathJax !== 'undefined'"):
            page.wait_for_function("() => document.querySelector('mjx-container')", timeout=20_000)
        assert not left_disk, f"requests that leave the disk: {left_disk[:5]}"
        assert not errors, f"JavaScript errors: {errors[:5]}"
    finally:
        page.close()


def figures_in(nb) -> int:
    return sum(
        any(m in o.get("data", {}) for m in IMAGE_MIMES)
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )


@pytest.mark.browser
@pytest.mark.slow
def test_the_fixture_deck_in_chromium(browser, tmp_path):
    if not (build_slides.ASSETS / "reveal.js").is_dir():
        if SLIDES_DIR:
            pytest.fail("SLIDES_DIR is set but tools/slides/node_modules is missing")
        pytest.skip("tools/slides/node_modules is missing: `npm ci --prefix tools/slides`")
    path = tmp_path / "deck.slides.html"
    path.write_text(convert(fixture(), "A fixture deck", Assets.load()))
    notes = {1: "Speaker notes: a long explanation"}  # the notes cell after the goals slide
    check_deck(browser, path, slide_count(fixture()), figures_in(fixture()), notes)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("deck", _built_decks() or [None], ids=lambda d: d and d["deck"])
def test_a_built_deck_in_chromium(browser, deck):
    if deck is None:
        pytest.skip("no built decks: `make slides`, then SLIDES_DIR=build/slides (.ci/run does)")
    assert "notebook" in deck, f"{SLIDES_DIR}: {deck['deck']}"
    source = nbformat.read(REPO / "notebooks" / deck["notebook"], as_version=4)
    executed = nbformat.read(REPO / deck["executed"], as_version=4)
    check_deck(browser, Path(SLIDES_DIR) / deck["deck"], slide_count(source), figures_in(executed))


def test_prepare_drops_the_worked_answers_make_test_inserted():
    nb = fixture()
    inserted = nbformat.v4.new_code_cell("answer = 42")
    inserted.metadata["tags"] = [build_slides.HARNESS_PREFIX + "answer:my_nss"]
    nb.cells.insert(2, inserted)
    deck = prepare(nb)
    assert len(deck.cells) == len(fixture().cells)
    assert all("answer = 42" != c.source for c in deck.cells)
