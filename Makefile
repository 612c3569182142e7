# Two commands for a fresh machine with Python 3.11 and make: `make report`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install report test lab lint bench bench-backtest clean

install: $(STAMP)

# Re-install only when pyproject.toml changed (or the venv is new).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

report: install
	$(BIN)/forecast report --out reports/latest --force

test: install
	$(BIN)/python -m pytest -q

lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: install
	$(BIN)/ruff check forecast tests benchmarks
	$(BIN)/ruff format --check forecast tests benchmarks

bench: install
	$(BIN)/python benchmarks/data_panel.py
	$(BIN)/python benchmarks/fit_models.py --warm --samplers pymc nutpie
	$(BIN)/python benchmarks/simulate_scenarios.py

# The issue-size backtest benchmark (serial, 2 local workers, Dask): about 45 minutes.
bench-backtest: install
	$(BIN)/python benchmarks/backtest.py

clean:
	rm -rf reports/latest .pytest_cache
