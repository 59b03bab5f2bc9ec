# Two commands do all the set-up on a fresh machine (Python 3.10+ and make):
#   make lab      - create .venv if missing, install the course, open JupyterLab on notebooks/
#   make test     - the same set-up, then lint and the whole test suite (package + notebooks)
#   make slides   - execute the notebooks (smoke mode, reusing make test's fresh executed copies)
#                   and build offline reveal.js decks: build/slides/index.html
#   make rehearse - every notebook in full mode against a local mirror of its sources
# Re-running reuses .venv; the install step re-runs only when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.saliency-course-installed
PIP := $(PY) -m pip install --quiet --constraint constraints.txt
JOBS ?= auto
LAB_ARGS ?=
PYTEST_ARGS ?=
# make slides: SLIDES_MODE=full on a GPU with the data; SLIDES_ARGS e.g. "--data DIR --weights
# checkpoint 06 07" (see tools/build_slides.py --help)
SLIDES_MODE ?= smoke
SLIDES_ARGS ?=
SLIDE_ASSETS := tools/slides/node_modules/.package-lock.json
REHEARSE_ARGS ?=

.PHONY: lab test lint format clean-venv slides rehearse

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PIP) torch==2.14.1 torchvision==0.29.1
	$(PIP) -e '.[dev,lab]'
	@touch $@

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest -n $(JOBS) --dist worksteal --durations=20 $(PYTEST_ARGS)

# reveal.js and MathJax, pinned in tools/slides/package-lock.json, inlined into every deck
$(SLIDE_ASSETS): tools/slides/package.json tools/slides/package-lock.json
	npm ci --prefix tools/slides --no-audit --no-fund --loglevel=error
	@touch $@

slides: $(STAMP) $(SLIDE_ASSETS)
	$(PY) tools/build_slides.py --mode $(SLIDES_MODE) $(SLIDES_ARGS)

# Full mode (SMOKE=False) of every notebook against build/mirror served on 127.0.0.1;
# writes build/rehearsal.json. E.g. REHEARSE_ARGS="--only 03 05" (tools/rehearse.py --help).
rehearse: $(STAMP)
	$(PY) tools/rehearse.py $(REHEARSE_ARGS)

format: $(STAMP)
	$(VENV)/bin/ruff format saliency_course tests benchmarks tools data_scripts
	$(VENV)/bin/ruff check --fix .

clean-venv:
	rm -rf $(VENV)
