# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8765

.PHONY: run test install bench clean-index

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# torch first and pinned: 2.13.0 is a local CPU wheel; an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Serves at once: the server indexes in the background, answering by name and words as soon as the
# structure is written and by meaning as embedding catches up (every answer's `index` says how far).
run: $(STAMP)
	$(VENV)/bin/kenning serve --root . --host $(HOST) --port $(PORT)

# The browser tests drive Debian's chromium; without it (no root, offline) they skip with a message.
test: $(STAMP)
	-command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_index.py

clean-index:
	rm -rf .kenning/index
