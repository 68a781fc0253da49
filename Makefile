# Two commands do everything on a new machine: `make serve` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install index serve test lint eval train bench bench-soak clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: an unpinned torch would pull gigabytes of CUDA packages
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: $(STAMP)
	$(VENV)/bin/qa index

serve: index
	$(VENV)/bin/qa serve

test: lint
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check qa ui tests benchmarks
	$(VENV)/bin/bandit -q -c pyproject.toml -r qa ui

eval: $(STAMP)
	$(VENV)/bin/qa eval

train: $(STAMP)
	$(PY) benchmarks/train_ranker.py

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf index/builds index/current .cache
