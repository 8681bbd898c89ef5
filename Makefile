# Quick start: `make demo` (set up, then run the main job) and `make test` (set up, then test).
# Both are idempotent: the virtual environment lives in .venv and is reused.
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
DEMO_OUT ?= out/demo
# The bundled sample book: two generated pages (one spread) of a 2004 birth register, with truth.
SAMPLE_BOOK := examples/ks_1999

.PHONY: setup demo draft-sample test bench-deps browser-deps postgres-deps label-studio bench-layout bench-layout-headers clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[train,bench,dev,serve,annotate]"
	touch $(STAMP)

setup: $(STAMP)

# Label Studio (the annotation server) in its own virtual environment: about 1 GB of Django and
# more that must not mix with the project's packages. The annotation tests start it.
LS_VENV := .venv-ls
LS_STAMP := $(LS_VENV)/.installed
LABEL_STUDIO_VERSION ?= 1.23.2
# Label Studio 1.23.2 passes options that sentry-sdk 3 removed (`send_default_pii`): it exits at start.
LABEL_STUDIO_PINS := "sentry-sdk<3"

$(LS_STAMP):
	test -x $(LS_VENV)/bin/python || $(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install --quiet --upgrade pip
	$(LS_VENV)/bin/pip install --quiet "label-studio==$(LABEL_STUDIO_VERSION)" $(LABEL_STUDIO_PINS)
	touch $(LS_STAMP)

label-studio: $(LS_STAMP)

# The main job: the review workbench, with the bundled sample book drafted on first start (it
# prints how to log in). `make draft-sample` drafts the same book from the command line instead.
demo: setup
	$(VENV)/bin/hotich serve

draft-sample: setup
	$(VENV)/bin/hotich draft $(SAMPLE_BOOK)/*.jpg --template ks_1999 --year 2004 --volume 01 \
	  --unit "Tỉnh Thái Nguyên,Huyện Phú Lương,Xã Hợp Thành" --out $(DEMO_OUT)
	@echo "Drafts (JSON, PAGE-XML), record files, KS.xlsx and summary.json written to $(DEMO_OUT)/"

test: setup browser-deps postgres-deps label-studio
	$(VENV)/bin/python -m pytest -q -n 2 --dist loadgroup tests

# Debian's chromium for the workbench's browser tests (playwright drives it; no browser downloads).
# Idempotent; without root and without chromium it only warns (those tests then skip, saying why).
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	else echo "warning: chromium is missing and installing it needs root (apt-get install chromium); the browser tests will be skipped"; fi

# Debian's PostgreSQL server for the workbench's PostgreSQL tests (they start a throwaway server of
# their own with initdb and pg_ctl). Idempotent; without root it only warns (those tests then skip).
postgres-deps:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql; \
	else echo "warning: PostgreSQL is missing and installing it needs root (apt-get install postgresql); the PostgreSQL tests will be skipped"; fi

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

# Column matching on books printed with other column widths: 35 fresh pages (5 per template, seed
# 4300) whose books each get their own widths (--column-jitter 0.3); the analyzers matching columns
# by printed headers and widths, and by the template's widths alone.
HEADERS_EVAL ?= /tmp/hdr-jitter
bench-layout-headers: setup
	test -d $(HEADERS_EVAL) || $(VENV)/bin/hotich synth --template all --pages 5 --seed 4300 --column-jitter 0.3 --out $(HEADERS_EVAL) -j 2
	$(VENV)/bin/hotich eval layout --data $(HEADERS_EVAL) --analyzer learned --analyzer learned-widths \
	  --analyzer classical --analyzer classical-widths

clean:
	rm -rf $(VENV) $(LS_VENV) $(DEMO_OUT)
