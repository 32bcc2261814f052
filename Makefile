# make run   builds .venv on first use and opens the app (webcam, or the demo stream without one)
# make test  builds .venv with the test extras and runs the whole suite headless
# make lint  ruff (lint, import order, format) and the import-linter layer contracts
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: run test test-torch test-jax lint screenshot

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/python main.py $(ARGS)

test: $(BIN)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The engine suite under the PyTorch backend (needs torch in .venv: `pip install torch==2.13.0`).
test-torch: $(BIN)/.installed-test
	KERAS_BACKEND=torch $(BIN)/python -m pytest -q tests/engine tests/cli

# The compiled calls and what stands on them under JAX (needs jax in .venv: `pip install "jax[cpu]==0.10.2"`).
test-jax: $(BIN)/.installed-test
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q tests/engine/test_backend_gradients.py tests/engine/test_backend_forward.py tests/engine/adversarial tests/engine/inspection

# The README's screenshot, from the real window on a virtual display (needs Debian's xvfb and imagemagick).
screenshot: $(BIN)/.installed
	$(BIN)/python tools/screenshot.py docs/screenshot.png
