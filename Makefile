# Two commands do all the set-up on a fresh machine (Python 3.10+ and make):
#   make lab   - create .venv if missing, install the course, open JupyterLab on notebooks/
#   make test  - the same set-up, then lint and the whole test suite (package + notebooks)
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
REHEARSE_ARGS ?=

.PHONY: lab test lint format clean-venv rehearse

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
	$(PY) -m pytest -n $(JOBS) --durations=20 $(PYTEST_ARGS)

# Full mode (SMOKE=False) of all 12 notebooks against build/mirror served on 127.0.0.1;
# writes build/rehearsal.json. E.g. REHEARSE_ARGS="--only 03 05" (tools/rehearse.py --help).
rehearse: $(STAMP)
	$(PY) tools/rehearse.py $(REHEARSE_ARGS)

format: $(STAMP)
	$(VENV)/bin/ruff format saliency_course tests benchmarks tools data_scripts
	$(VENV)/bin/ruff check --fix .

clean-venv:
	rm -rf $(VENV)
