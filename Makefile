# Two commands for a fresh machine with Python >= 3.12 and make: `make report`, `make test`.
# The Python is found by itself: the first of python3.13, python3.12 that runs, then pyenv's
# installed versions (newest first), then python3 if it is recent enough. PYTHON=... overrides.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PY_OK := import sys; sys.exit(sys.version_info < (3, 12))

ifndef PYTHON
PYTHON := $(shell for p in python3.13 python3.12 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) \
	python3; do "$$p" -c '$(PY_OK)' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
endif

.PHONY: install report test lab lint bench bench-samplers bench-backtest bench-report skill clean

install: $(STAMP)

# (Re)create the venv when it is missing or older than Python 3.12 (e.g. one made by an earlier
# version of this project); re-install only when pyproject.toml changed.
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found: install one (e.g. 'pyenv install 3.12', or your system's python3.12 package) or run make PYTHON=/path/to/python3.12"; exit 1; }
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c '$(PY_OK)' 2>/dev/null; then \
		echo "Replacing $(VENV) (made with an older Python)"; rm -rf $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The report's fit goes to its own run folder, runs/report, outside the report (which stays small
# enough to mail); the same report as one file goes to reports/latest.html. --force replaces the
# earlier report, that run and that file. To rebuild the pages from the run without refitting:
#   forecast report --run runs/report --out reports/latest --single-file reports/latest.html --force
report: install
	$(BIN)/forecast report --out reports/latest --single-file reports/latest.html --force

test: install
	$(BIN)/python -m pytest -q

lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: install
	$(BIN)/ruff check forecast tests benchmarks
	$(BIN)/ruff format --check forecast tests benchmarks

clean:
	rm -rf reports/latest reports/latest.html .pytest_cache
