# convlab's build graph. `make site` builds everything into site/; `make test` checks it.
# Each file target names its real inputs, so a second run redoes only what changed.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1
INSTALLED := $(VENV)/.installed

# The lesson's animations come from one table, convlab/catalogue.py (plain Python, no dependencies).
ANIM_DIR := docs/assets/anim
ANIMATIONS := $(shell $(PYTHON) -m convlab.catalogue)
GIFS := $(ANIMATIONS:%=$(ANIM_DIR)/%.gif)
RENDER_SOURCES := convlab/arithmetic.py convlab/animate.py convlab/catalogue.py convlab/files.py

# Data, training and figures: each reruns only when its inputs change.
DATA_ROOT := data
MNIST_OK := $(DATA_ROOT)/MNIST/.checked
RUN := build/run
FIG_DIR := docs/assets/figures
MODEL_SOURCES := convlab/data.py convlab/model.py convlab/train.py convlab/arithmetic.py convlab/files.py

SITE_SOURCES := mkdocs.yml $(shell find docs overrides -type f -not -path '$(ANIM_DIR)/*' -not -path '$(FIG_DIR)/*') scripts/mkdocs_hooks.py convlab/site.py

.PHONY: site test lint serve bench clean

site: site/index.html

$(INSTALLED): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --requirement requirements.txt
	$(BIN)/pip install --quiet --no-deps --requirement requirements-nodeps.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

# One rule renders one animation (its GIF, JSON sidecar and PNG still).
$(ANIM_DIR)/%.gif: $(RENDER_SOURCES) | $(INSTALLED)
	$(BIN)/convlab gifs --out $(ANIM_DIR) --only $* > /dev/null

$(MNIST_OK): convlab/data.py requirements-nodeps.txt | $(INSTALLED)
	$(BIN)/convlab data --root $(DATA_ROOT) > /dev/null
	touch $@

$(RUN)/metrics.json: $(MNIST_OK) $(MODEL_SOURCES) | $(INSTALLED)
	$(BIN)/convlab train --data-root $(DATA_ROOT) --out $(RUN) > /dev/null

$(FIG_DIR)/figures.json: $(RUN)/metrics.json convlab/figures.py | $(INSTALLED)
	$(BIN)/convlab figures --run $(RUN) --data-root $(DATA_ROOT) --out $(FIG_DIR) > /dev/null

site/index.html: $(GIFS) $(FIG_DIR)/figures.json $(SITE_SOURCES) | $(INSTALLED)
	$(BIN)/mkdocs build --strict --quiet
	touch $@

lint: | $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint | $(INSTALLED)
	$(BIN)/python -m pytest

serve: $(GIFS) | $(INSTALLED)
	$(BIN)/mkdocs serve

bench: $(MNIST_OK) | $(INSTALLED)
	$(BIN)/python scripts/bench_gifs.py
	$(BIN)/python scripts/bench_train.py --data-root $(DATA_ROOT)

clean:
	rm -rf site build $(ANIM_DIR) $(FIG_DIR) .pytest_cache .ruff_cache .hypothesis
