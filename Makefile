# Quick start: `make demo` (set up, then run the main job) and `make test` (set up, then test).
# Both are idempotent: the virtual environment lives in .venv and is reused.
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
DEMO_OUT ?= samples

.PHONY: setup demo test bench-deps bench-layout clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[train,bench,dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/hotich synth --template all --pages 2 --seed 0 --out $(DEMO_OUT) --preview
	@echo "Pages, ground truth and $(DEMO_OUT)/contact_sheet.png written to $(DEMO_OUT)/"

test: setup
	$(VENV)/bin/python -m pytest -q -n 2 tests

# Debian packages for the Tesseract baseline of `hotich bench htr` (needs root; not run by `test`).
bench-deps:  # Debian packages for `hotich bench htr` (root)
	apt-get update -qq
	apt-get install -y -qq tesseract-ocr tesseract-ocr-vie

# The layout benchmark: 203 fresh pages (every template; 13 per template as sampled, 4 per template
# under each forced hard condition; seeds 4242-4246 are never used in training), then the learned
# and the classical analyzers in one table.
LAYOUT_EVAL ?= /tmp/hotich-layout-eval
bench-layout: setup
	test -d $(LAYOUT_EVAL)/none || $(VENV)/bin/hotich synth --template all --pages 13 --seed 4242 --conditions none --out $(LAYOUT_EVAL)/none -j 2
	n=4243; for c in skew faded curvature photo; do \
	  test -d $(LAYOUT_EVAL)/$$c || $(VENV)/bin/hotich synth --template all --pages 4 --seed $$n --conditions $$c --out $(LAYOUT_EVAL)/$$c -j 2; \
	  n=$$((n + 1)); done
	$(VENV)/bin/hotich eval layout --data $(LAYOUT_EVAL) --analyzer learned --analyzer classical

clean:
	rm -rf $(VENV) $(DEMO_OUT)
