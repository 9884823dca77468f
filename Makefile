# convlab's build graph. `make site` builds everything into site/; `make test` checks it.
# Each file target names its real inputs and every file its step writes, so a second run redoes only
# what changed. The steps run the convlab package (convlab/); the build's own scripts are in scripts/.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1
INSTALLED := $(VENV)/.installed
CONVLAB_SOURCES := $(wildcard convlab/*.py)
STEP := $(BIN)/python scripts/buildstep.py run

# The lesson's animations and figures come from one table, convlab/catalogue.py (plain Python).
CATALOGUE := $(PYTHON) -m convlab.catalogue
ANIM_DIR := docs/assets/anim
ANIMATIONS := $(shell $(CATALOGUE) animations)
ANIM_FILES := $(foreach name,$(ANIMATIONS),$(addprefix $(ANIM_DIR)/$(name).,gif json png narrow.gif narrow.png))
RENDER_SOURCES := convlab/arithmetic.py convlab/transposed.py convlab/pooling.py convlab/records.py \
	convlab/catalogue.py convlab/describe.py convlab/layout.py convlab/drawing.py convlab/stories.py convlab/painter.py \
	convlab/animate.py convlab/files.py convlab/errors.py

# Data, training and figures: each reruns only when its inputs change.
DATA_ROOT := data
MNIST_OK := $(DATA_ROOT)/MNIST/.checked
MNIST_FILES := $(addprefix $(DATA_ROOT)/MNIST/raw/,train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# The training run the pages show. The page build and the notebooks read this variable.
export CONVLAB_RUN := build/run
RUN_FILES := $(addprefix $(CONVLAB_RUN)/,model.pt train.log metrics.json)
MODEL_SOURCES := convlab/data.py convlab/model.py convlab/train.py convlab/run.py convlab/arithmetic.py \
	convlab/files.py convlab/errors.py
FIG_DIR := docs/assets/figures
FIGURE_FILES := $(addprefix $(FIG_DIR)/,$(shell $(CATALOGUE) figures))
FIGURE_SOURCES := convlab/figures.py convlab/catalogue.py convlab/run.py convlab/data.py convlab/model.py \
	convlab/arithmetic.py convlab/files.py convlab/errors.py

# Notebooks: jupytext sources in notebooks/, executed into docs/lesson/ (a build output).
# Each also depends on the files it reads; the executor itself keys its cache on their hashes.
NOTEBOOKS := $(notdir $(basename $(wildcard notebooks/*.py)))
EXECUTED := $(NOTEBOOKS:%=docs/lesson/%.ipynb)
READS_convolution :=
READS_layers := $(MNIST_FILES)
READS_cnn := $(RUN_FILES) $(MNIST_FILES)
READS_pooling :=

# KaTeX, from npm (package-lock.json pins it), served by the site itself.
KATEX_DIR := docs/assets/katex
KATEX_FILES := $(addprefix $(KATEX_DIR)/,katex.min.js katex.min.css auto-render.min.js)

GENERATED := $(ANIM_DIR) $(FIG_DIR) docs/lesson $(KATEX_DIR)
SITE_SOURCES := mkdocs.yml $(shell find docs overrides -type f $(GENERATED:%=-not -path '%/*')) \
	scripts/mkdocs_hooks.py scripts/placeholders.py $(CONVLAB_SOURCES)
BUILD_START := $(shell date +%s.%N)

.PHONY: site test lint serve bench screenshots clean

site: site/index.html
	@$(BIN)/python scripts/buildstep.py summary --since $(BUILD_START) --site site

$(INSTALLED): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --requirement requirements.txt
	$(BIN)/pip install --quiet --no-deps --requirement requirements-nodeps.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

# One rule renders one animation: its JSON sidecar, and the GIF and PNG still of each rendition (wide, narrow).
# (Make matches %.narrow.gif to the rule with the shorter stem, so NAME.narrow.gif belongs to NAME.)
ANIM_OUTPUTS = $(addprefix $(ANIM_DIR)/$*.,gif json png narrow.gif narrow.png)
$(ANIM_DIR)/%.gif $(ANIM_DIR)/%.json $(ANIM_DIR)/%.png $(ANIM_DIR)/%.narrow.gif $(ANIM_DIR)/%.narrow.png: \
		$(RENDER_SOURCES) | $(INSTALLED)
	@$(STEP) anim-$* --inputs $(RENDER_SOURCES) --outputs $(ANIM_OUTPUTS) \
		-- $(BIN)/convlab gifs --out $(ANIM_DIR) --only $* > /dev/null

# `convlab data` also checks the files' MD5s itself and rewrites nothing that is intact.
$(MNIST_OK): convlab/data.py requirements-nodeps.txt | $(INSTALLED)
	@$(STEP) data --inputs convlab/data.py requirements-nodeps.txt --outputs $(MNIST_FILES) -- \
		$(BIN)/convlab data --root $(DATA_ROOT) > /dev/null
	touch $@
$(MNIST_FILES): $(MNIST_OK)

$(RUN_FILES) &: $(MNIST_OK) $(MODEL_SOURCES) | $(INSTALLED)
	@$(STEP) train --inputs $(MODEL_SOURCES) $(MNIST_FILES) --outputs $(RUN_FILES) -- \
		$(BIN)/convlab train --data-root $(DATA_ROOT) --out $(CONVLAB_RUN) > /dev/null

$(FIGURE_FILES) &: $(RUN_FILES) $(FIGURE_SOURCES) | $(INSTALLED)
	@$(STEP) figures --inputs $(RUN_FILES) $(FIGURE_SOURCES) $(MNIST_FILES) --outputs $(FIGURE_FILES) -- \
		$(BIN)/convlab figures --run $(CONVLAB_RUN) --data-root $(DATA_ROOT) --out $(FIG_DIR) > /dev/null

.SECONDEXPANSION:
docs/lesson/%.ipynb: notebooks/%.py scripts/notebooks.py $(CONVLAB_SOURCES) $$(READS_$$*) | $(INSTALLED)
	@$(BIN)/python scripts/notebooks.py $< $@ --reads $(READS_$*) > /dev/null

$(KATEX_FILES) &: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(KATEX_DIR) && mkdir -p $(KATEX_DIR)/fonts
	cp node_modules/katex/dist/katex.min.js node_modules/katex/dist/katex.min.css $(KATEX_DIR)/
	cp node_modules/katex/dist/contrib/auto-render.min.js $(KATEX_DIR)/
	cp node_modules/katex/dist/fonts/*.woff2 $(KATEX_DIR)/fonts/

site/index.html: $(ANIM_FILES) $(FIGURE_FILES) $(EXECUTED) $(KATEX_FILES) $(SITE_SOURCES) | $(INSTALLED)
	$(BIN)/mkdocs build --strict --quiet
	touch $@

lint: | $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The tests check the built site in a real browser, so they build it first (a no-op when it is current).
test: lint site
	$(BIN)/python -m pytest

serve: site/index.html
	$(BIN)/mkdocs serve

# Every page at phone and laptop width, light and dark, into build/screenshots/ for review.
screenshots: site/index.html
	$(BIN)/python scripts/screenshots.py --site site --out build/screenshots

bench: $(MNIST_OK) | $(INSTALLED)
	$(BIN)/python scripts/bench_gifs.py
	$(BIN)/python scripts/bench_train.py --data-root $(DATA_ROOT)

clean:
	rm -rf site build $(GENERATED) .cache .pytest_cache .ruff_cache .hypothesis
