# The few commands a newcomer needs. `make run` and `make test` do all the set-up themselves.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8501

.PHONY: setup browser postgres run test lint bench demo-data clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser offline).
browser:
	@command -v chromium >/dev/null 2>&1 || [ -x "$$CHROMIUM" ] || \
	  { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The pgstac tests start their own throwaway cluster (tests/pgcluster.py); they need the
# server and PostGIS from Debian, installed here when missing. Nothing is started here.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ls /usr/share/postgresql/*/extension/postgis.control \
	  >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-postgis >/dev/null; }

demo-data: setup
	$(VENV)/bin/dataset-atlas demo-data data/demo

run: setup demo-data
	DATASET_ATLAS_DATA_ROOT=$${DATASET_ATLAS_DATA_ROOT:-data/demo} \
	  $(PY) -m streamlit run app.py --server.port $(PORT)

test: setup browser postgres
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check src tests bench app.py pages
	$(VENV)/bin/mypy

bench: setup postgres
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .hypothesis
