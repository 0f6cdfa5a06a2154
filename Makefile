# `make demo` and `make test` are the only two commands a fresh clone needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest venv clean browser

# Re-install only when the project metadata changed (fast no-op otherwise).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/dialer demo

lint: $(STAMP)
	$(BIN)/ruff check batch_dialer tests bench
	$(BIN)/ruff format --check batch_dialer tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The web console's end-to-end test drives Debian's chromium through Playwright (never `playwright
# install`). Installed here when missing and we are root; a failure only makes that test skip
# (or fail under REQUIRE_SERVICES=1). The CJK font makes the screenshots readable.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei) \
			|| echo "browser: could not install chromium; the browser test will skip"; \
	fi

# Tests run on PYTEST_WORKERS xdist workers (default: one per core, at most 4; every test makes its own
# databases, Redis prefixes, ports and files). PYTEST_WORKERS=0 runs them serially in one process.
# --dist loadgroup keeps each xdist_group (tests/conftest.py) on one worker. PYTEST_ARGS adds
# arguments: `make pytest PYTEST_ARGS="tests/web -x"`.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
ifeq ($(PYTEST_WORKERS),0)
XDIST :=
else
XDIST := -n $(PYTEST_WORKERS) --dist loadgroup
endif

pytest: $(STAMP) browser
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
