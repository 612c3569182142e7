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

.PHONY: install report test lab lint bench bench-samplers bench-backtest bench-report skill skill-daily ablation-daily clean \
	sensitivity track-record questions-backtest ablation ablation-class ablation-daily-lean \
	ablation-phased ablation-daily-terms

install: $(STAMP)

# (Re)create the venv when it is missing or older than Python 3.12 (e.g. one made by an earlier
# version of this project); re-install only when pyproject.toml changed.
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found: install one (e.g. 'pyenv install 3.12', or your system's python3.12 package) or run make PYTHON=/path/to/python3.12"; exit 1; }
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c '$(PY_OK)' 2>/dev/null; then \
		echo "Replacing $(VENV) (made with an older Python)"; rm -rf $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# -qq: pip's errors only (a pip configuration naming missing index folders prints a WARNING
	@# per package); PYTHONWARNINGS: setuptools' notice on editable installs. Output stays ours.
	$(BIN)/python -m pip install --quiet --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --quiet -e '.[test]'
	touch $(STAMP)

# The report's fit goes to its own run folder, runs/report-latest, outside the report (which stays small
# enough to mail); the same report as one file goes to reports/latest.html. --force replaces the
# earlier report, that run and that file. To rebuild the pages from the run without refitting:
#   forecast report --run runs/report-latest --out reports/latest --single-file reports/latest.html --force
report: install
	$(BIN)/forecast report --out reports/latest --single-file reports/latest.html --force

# Two pytest workers, one per core; each test file runs whole on one worker (--dist loadfile),
# so its module and session fixtures are built once (the FAST report and the notebooks it runs
# are tested in one file). The 25 slowest tests are listed at the end.
test: install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=25

lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: install
	$(BIN)/ruff check forecast tests benchmarks
	$(BIN)/ruff format --check forecast tests benchmarks

# The README's evaluation (issue-13 protocol): every month 2005-2024 as a cutoff, horizons 1-12,
# the naive baselines, the default (ar_level; its lean form, ar_level_lean, is scored by
# 'make ablation'), pools and the oracles, for launch days and, in the
# same run (--missiles), for missiles: ar_level reaches missiles through launch days, so each
# of its folds reuses its launch-day fit and adds its salvo term's own small fit; the naive
# baselines are fitted to the missile counts. Writes out/skill and out/skill/missiles (scores,
# summaries, figures) and keeps their summary tables in docs/evaluation and
# docs/evaluation/missiles (the report and notebook 05 read them). Its time on 2 cores is in
# the README ("Speed").
SKILL_TABLES := summary.csv by_band.csv by_era.csv evidence.csv after_changes.csv headline.csv \
	totals.csv settings.json
skill: install
	$(BIN)/forecast backtest --models empirical_recent,last_value,constant_rate,recent_rate,ar_level \
		--pools pool:ar_level+recent_rate,stack:ar_level+recent_rate --oracles --missiles \
		--every 1 --from 2005-01 --to 2024-12 --horizon 12 --seed 20251231 \
		--workers 2 --out out/skill --force
	mkdir -p docs/evaluation/missiles
	cd out/skill && cp $(SKILL_TABLES) folds.csv ../../docs/evaluation/
	cd out/skill/missiles && cp $(SKILL_TABLES) ../../../docs/evaluation/missiles/

# The strict question backtest (issue 23): question families (state changes, talks, launches,
# each weapon-class group, nuclear tests, launch days) asked at every cutoff 2000-2024 and scored
# against the strongest naive answer; writes its tables to docs/evaluation (questions*.csv, with
# questions_by_state.csv, question_reliability.csv, nuclear.csv/.md). About 30 minutes on 2 cores (every family at
# all 300 monthly cutoffs; --every 3 asks the launch families at 100, in a third of the time); the count folds are
# cached in out/question-backtest/folds (delete it after changing the families or the models).
questions-backtest: install
	$(BIN)/python -m forecast.evaluation.strict_questions

# The daily model and its ablation (issue 22): daily_exciting and each variant that leaves one
# term out, on the cutoffs every 6 months 2005-2024 (40), with the naive baselines and the
# daily model pooled with ar_level (equal weights, and stacked with weights learned from each
# cutoff's past); its summaries kept in docs/evaluation/daily. About 25 minutes on 2 cores (a
# daily fold costs about 10 s of CPU, 2.5 times an ar_level fold, which is why it is not in
# 'make skill'; the pools cost no fit).
skill-daily: install
	$(BIN)/forecast backtest \
		--models daily_exciting,daily_no_excitation,daily_no_season,daily_no_exercise,daily_no_state,daily_no_change,ar_level,recent_rate,empirical_recent,last_value,constant_rate \
		--pools pool:ar_level+daily_exciting,stack:ar_level+daily_exciting \
		--no-oracles --every 6 --from 2005-01 --to 2024-12 --horizon 12 --seed 20251231 \
		--workers 2 --out out/skill-daily --force
	mkdir -p docs/evaluation/daily
	cd out/skill-daily && cp $(SKILL_TABLES) ablation.csv ../../docs/evaluation/daily/

# The daily model's two dynamic terms and its pools on the evaluation's protocol (issue 22):
# daily_exciting, the variants without its excitation and without its weeks after a change of
# state, ar_level, the two strongest naive baselines and the daily model pooled with ar_level,
# on the 240 monthly cutoffs of 'make skill' (the same folds of ar_level and of the baselines);
# its summaries and ablation.csv kept in docs/evaluation/daily-240 (the report and notebook 05
# read them, see forecast.evaluation.daily_protocols). Its time on 2 cores is in the README
# ("Speed"): about 80 minutes, which is why 'make skill-daily' scores every term on 40 cutoffs.
ablation-daily: install
	$(BIN)/forecast backtest \
		--models daily_exciting,daily_no_excitation,daily_no_change,ar_level,recent_rate,empirical_recent \
		--pools pool:ar_level+daily_exciting,stack:ar_level+daily_exciting \
		--no-oracles --every 1 --from 2005-01 --to 2024-12 --horizon 12 --seed 20251231 \
		--workers 2 --out out/ablation-daily-240 --force
	mkdir -p docs/evaluation/daily-240
	cd out/ablation-daily-240 && cp $(SKILL_TABLES) ablation.csv ../../docs/evaluation/daily-240/

# The daily model's season, exercise and state terms left out in turn (issue 22; 'make
# skill-daily' scored them on 40 cutoffs) on the same 240 cutoffs, seed and sampler as 'make
# ablation-daily': daily_exciting (the same folds) and the two strongest naive baselines; its
# summaries and ablation.csv kept in docs/evaluation/daily-240-terms, whose rows the report and
# notebook 05 read into the 240-cutoff protocol's table (forecast.evaluation.daily_protocols).
# Its time on 2 cores is in the README ("Speed").
ablation-daily-terms: install
	$(BIN)/forecast backtest \
		--models daily_exciting,daily_no_season,daily_no_exercise,daily_no_state,recent_rate,empirical_recent \
		--no-oracles --every 1 --from 2005-01 --to 2024-12 --horizon 12 --seed 20251231 \
		--workers 2 --out out/ablation-daily-terms --force
	mkdir -p docs/evaluation/daily-240-terms
	cd out/ablation-daily-terms && cp $(SKILL_TABLES) ablation.csv ../../docs/evaluation/daily-240-terms/

# The default model's ablation (issue 22): ar_level and each variant that leaves one of its terms
# out (state, season, exercise), and ar_level_lean, which leaves season and exercise out together
# (they can stand in for each other), on the 240 monthly cutoffs of 'make skill' (the same folds
# of ar_level), with the two strongest naive baselines; its summaries and ablation.csv kept in
# docs/evaluation/ablation. Its time on 2 cores is in the README ("Speed").
ablation: install
	$(BIN)/forecast backtest \
		--models ar_level,ar_level_no_state,ar_level_no_season,ar_level_no_exercise,ar_level_lean,recent_rate,empirical_recent \
		--no-oracles --every 1 --from 2005-01 --to 2024-12 --horizon 12 --seed 20251231 \
		--workers 2 --out out/ablation --force
	mkdir -p docs/evaluation/ablation
	cd out/ablation && cp $(SKILL_TABLES) ablation.csv ../../docs/evaluation/ablation/

# The weapon-class component (issue 22): class_hierarchical (one series per weapon class,
# summed) against state_rate (the same level, state, season and exercise terms on the total),
# with the two strongest naive baselines, at the 240 monthly cutoffs of 'make skill' (until
# 2026-12-06 the 40 every 6 months; a class_hierarchical fold costs about 4 times a state_rate
# fold); its summaries and ablation.csv kept in docs/evaluation/class. About 31 minutes on 2
# cores.
ablation-class: install
	$(BIN)/forecast backtest \
		--models class_hierarchical,state_rate,recent_rate,empirical_recent \
		--no-oracles --every 1 --from 2005-01 --to 2024-12 --horizon 12 --seed 20251231 \
		--workers 2 --out out/ablation-class --force
	mkdir -p docs/evaluation/class
	cd out/ablation-class && cp $(SKILL_TABLES) ablation.csv ../../docs/evaluation/class/

# The daily model's season and exercise terms left out together (issue 22; they were ablated one
# at a time by 'make skill-daily'): daily_exciting (the same folds as there) against
# daily_lean, with the two strongest naive baselines, at its 40 cutoffs; its summaries and
# ablation.csv kept in docs/evaluation/daily-lean. About 8 minutes on 2 cores.
ablation-daily-lean: install
	$(BIN)/forecast backtest \
		--models daily_exciting,daily_lean,recent_rate,empirical_recent \
		--no-oracles --every 6 --from 2005-01 --to 2024-12 --horizon 12 --seed 20251231 \
		--workers 2 --out out/ablation-daily-lean --force
	mkdir -p docs/evaluation/daily-lean
	cd out/ablation-daily-lean && cp $(SKILL_TABLES) ablation.csv ../../docs/evaluation/daily-lean/

# The state shift that phases in (README "A state shift that phases in"): ar_level_phased against
# ar_level (whose shift arrives whole in a state's first month) on the 240 monthly cutoffs of
# 'make skill', with the two strongest naive baselines, every state path (held, real, simulated);
# its summaries and ablation.csv kept in docs/evaluation/phased. About 47 minutes on 2 cores.
ablation-phased: install
	$(BIN)/forecast backtest \
		--models ar_level,ar_level_phased,recent_rate,empirical_recent \
		--no-oracles --every 1 --from 2005-01 --to 2024-12 --horizon 12 --seed 20251231 \
		--workers 2 --out out/phased --force
	mkdir -p docs/evaluation/phased
	cd out/phased && cp $(SKILL_TABLES) ablation.csv ../../docs/evaluation/phased/

# Speed (README "Speed"): the samplers side by side, cold and warm.
bench-samplers: install
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/samplers.py --models state_rate
	$(BIN)/python benchmarks/samplers.py --models ar_level \
		--configs package package-nutpie-compile pymc-default nutpie-lowrank numpyro
	$(BIN)/python benchmarks/samplers.py --models class_hierarchical \
		--configs package package-nutpie-compile pymc-default

# The issue-size backtest (40 origins x constant_rate, recent_rate, state_rate; 2 workers).
bench-backtest: install
	$(BIN)/python benchmarks/backtest.py --no-dask

# make report warm and on a fresh clone, and make test on a fresh clone (about 20 minutes).
bench-report: install
	$(BIN)/python benchmarks/report.py --what warm fresh test

bench: install
	$(BIN)/python benchmarks/data_panel.py
	$(BIN)/python benchmarks/simulate_scenarios.py

clean:
	rm -rf reports/latest reports/latest.html .pytest_cache

# The coding-sensitivity panel (issue 26): the default model refitted, full preset, as coded and
# with each alternative coding of datasets/CODING_NOTES.md (datasets/coding_alternatives.csv),
# the standard scenarios simulated from every fit with one seed. About 3 minutes on 2 cores
# (2 min 41 s; 4 min 44 s while other work shared them; about 2 minutes of CPU).
# Written to out/sensitivity (no command writes into docs/, a project folder); its table,
# sentences and settings are then kept in docs/sensitivity for the report.
sensitivity: install
	$(BIN)/forecast sensitivity --seed 20251231 --out out/sensitivity --force
	mkdir -p docs/sensitivity
	cp out/sensitivity/sensitivity.csv out/sensitivity/sensitivity.md \
		out/sensitivity/settings.json docs/sensitivity/

# The backfilled track record (issue 23): questions/2026.yaml asked at every quarter-end
# 2010-03..2025-12, answered by the default model fitted on the data up to each origin
# (backtest preset), frozen, resolved and scored, every record labelled backfilled. About 9
# minutes on 2 cores. Written to out/track-record (no command writes into docs/), then its
# small files (no draws) kept in docs/track_record, which 'forecast ledger --answers
# docs/track_record' prints and the report reads. The tables of the strict question backtest
# are made by 'python -m forecast.evaluation.strict_questions' (docs/evaluation/questions*).
track-record: install
	$(BIN)/forecast track-record --out out/track-record --seed 20251231 --force
	mkdir -p docs/track_record
	cp out/track-record/records.json out/track-record/record.csv out/track-record/summary.csv \
		out/track-record/reliability.csv out/track-record/settings.json docs/track_record/
