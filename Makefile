# Two entry points: `make demo` (IS vs uniform on digits, with a plot; it first prints the machine it runs on:
# platform, CPUs, TensorFlow thread counts, library versions) and `make test`.
# Each creates the virtual environment .venv and installs what is missing first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= results/demo

.PHONY: demo test lint install clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/is-keras compare --out $(OUT)

test: $(STAMP)
	$(BIN)/ruff check is_keras tests benchmarks data_scripts notebooks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check is_keras tests benchmarks data_scripts notebooks

clean:
	rm -rf $(VENV) results
