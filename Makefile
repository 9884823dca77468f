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

SITE_SOURCES := mkdocs.yml $(shell find docs overrides -type f -not -path '$(ANIM_DIR)/*') scripts/mkdocs_hooks.py convlab/site.py

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

site/index.html: $(GIFS) $(SITE_SOURCES) | $(INSTALLED)
	$(BIN)/mkdocs build --strict --quiet
	touch $@

lint: | $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint | $(INSTALLED)
	$(BIN)/python -m pytest

serve: $(GIFS) | $(INSTALLED)
	$(BIN)/mkdocs serve

bench: | $(INSTALLED)
	$(BIN)/python scripts/bench_gifs.py

clean:
	rm -rf site $(ANIM_DIR) .pytest_cache .ruff_cache .hypothesis
