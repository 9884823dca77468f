"""MkDocs hooks: fill the pages' placeholders with what the build computed (see placeholders.py), in the
pages and in the notebooks readers download; give each page the picture and text a shared link shows and each
notebook page its Colab link, from SITE_URL and REPO_URL; move the rules of the notebook pages' large inline
stylesheet that can apply to each into a cacheable file; and leave KaTeX out of pages with no maths.

The training run whose numbers the pages show is the folder in the CONVLAB_RUN environment variable,
which the Makefile sets (`make site`, `make serve`). The pages present it as the lesson's result, so a run
trained with other settings (a quick try with fewer epochs) stops the build with one line.
"""

import hashlib
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url
from placeholders import (
    PlaceholderError,
    colab_url,
    expand_placeholders,
    fill_repo,
    placeholders_as_markdown,
    social_picture,
)
from usedcss import used_rules

from convlab.errors import UsageError
from convlab.run import RunFolder, TrainConfig

LARGE_STYLE = re.compile(r"<style[^>]*>(.{20000,}?)</style>", re.S)
# The delimiters docs/javascripts/site.js typesets, in the page's text outside code; and KaTeX's tags in a page.
MATHS = re.compile(r"\\\(|\\\[|\$\$|\$[^\s$][^$]*\$")
NOT_TEXT = re.compile(r"<(pre|code|style|script)\b.*?</\1>", re.S)
KATEX_TAGS = re.compile(
    r'<link rel="stylesheet" href="([^"]*assets/katex/[^"]*)">|<script src="([^"]*assets/katex/[^"]*)"></script>'
)
SERVING = False  # set by on_startup: `mkdocs serve`, not `mkdocs build`


def run_folder() -> RunFolder:
    """Return the run in CONVLAB_RUN; PluginError if the variable is not set."""
    if "CONVLAB_RUN" not in os.environ:
        raise PluginError("CONVLAB_RUN is not set: build the site with `make site` (or `make serve`)")
    return RunFolder(os.environ["CONVLAB_RUN"])


def on_startup(command, dirty):
    global SERVING
    SERVING = command == "serve"


def remake_assets() -> None:
    """Under `make serve`, run CONVLAB_SERVE_STEPS (`make assets`): what an edit changed is made again, the rest
    reused from the steps' cache. PluginError with the steps' last lines if they failed."""
    steps = os.environ.get("CONVLAB_SERVE_STEPS")
    if not (SERVING and steps):
        return
    result = subprocess.run(shlex.split(steps), capture_output=True, text=True)
    if result.returncode != 0:
        raise PluginError(f"`{steps}` failed; the preview keeps the pages it had:\n{result.stderr[-3000:]}")


def on_pre_build(config):
    remake_assets()
    # The pages present the run as the lesson's result: a run of other settings stops the build here.
    run = run_folder()
    try:
        config = run.metrics().config
    except UsageError as error:
        raise PluginError(str(error)) from None
    if not config.is_lesson_recipe():
        raise PluginError(
            f"{run.path} was trained with {', '.join(TrainConfig().differences(config))}, not the lesson's recipe, "
            f"which the pages present: train it with `convlab train --out {run.path}` and no other settings "
            "(`make site` does)"
        )


def _is_notebook(page) -> bool:
    """Return True for a lesson page built from an executed notebook (docs/lesson/NAME.ipynb)."""
    return page.file.src_uri.startswith("lesson/") and page.file.src_uri.endswith(".ipynb")


def source_of(page) -> Path:
    """Return the file an author edits for this page: a lesson's jupytext source, else the page in docs/."""
    if _is_notebook(page):
        return Path("notebooks") / f"{Path(page.file.src_uri).stem}.py"
    return Path(page.file.abs_src_path).relative_to(Path.cwd()) if page.file.abs_src_path else Path(page.file.src_uri)


def where(source: Path, text: str) -> str:
    """Return ``FILE:LINE`` of the first line of ``source`` holding ``text`` (just FILE if none does)."""
    lines = source.read_text(encoding="utf-8").splitlines() if source.is_file() else []
    found = next((number for number, line in enumerate(lines, 1) if text in line), None)
    return f"{source}:{found}" if found else str(source)


def on_page_markdown(markdown, page, config, files):
    # Before Markdown is rendered, so that a repo line in a code block is filled in whole (notebook pages get theirs
    # in on_page_content).
    try:
        return fill_repo(markdown, config["repo_url"])
    except PlaceholderError as error:
        raise PluginError(f"{where(source_of(page), error.placeholder)}: {error}") from None


def on_page_content(html, page, config, files):
    # Raw HTML is not rewritten by MkDocs, so links are made relative to the page here.
    def url_for(path: str) -> str:
        return get_relative_url(path, page.file.url)

    try:
        html = fill_repo(html, config["repo_url"], escape=True)
        return expand_placeholders(html, Path(config["docs_dir"]), run_folder(), url_for)
    except PlaceholderError as error:
        raise PluginError(f"{where(source_of(page), error.placeholder)}: {error}") from None
    except UsageError as error:
        raise PluginError(f"{source_of(page)}: {error}") from None


def on_page_context(context, page, config, nav):
    if _is_notebook(page):
        # A lesson page is built from notebooks/NAME.py; its edit link should open that file, not the
        # executed notebook in docs/lesson/, which the build writes.
        if page.edit_url:
            source = source_of(page).as_posix()
            page.edit_url = config["repo_url"].rstrip("/") + "/" + config["edit_uri"].replace("docs/", source, 1)
        # The notebook mkdocs-jupyter publishes beside the page, opened in Colab from the published branch.
        page.meta["colab_url"] = colab_url(config["repo_url"] or "", f"{page.url}{Path(page.file.src_uri).stem}.ipynb")
    if config["site_url"]:  # a shared link's tags need the site's address
        site_url = config["site_url"].rstrip("/") + "/"
        picture = social_picture(page.content, Path(config["docs_dir"]))
        page.meta["social"] = {**picture, "url": site_url + page.url, "image": site_url + picture["path"]}
    return context


def has_maths(html: str) -> bool:
    """Return True if the page's text outside code holds a formula for KaTeX to typeset."""
    return MATHS.search(NOT_TEXT.sub("", html)) is not None


def on_post_page(output, page, config):
    # KaTeX (its script is the largest a page loads) only where there is maths to typeset. An instant navigation
    # swaps the article but runs none of the new page's other scripts: a page with maths names KaTeX's files on
    # its article too, for site.js to load.
    if not has_maths(page.content or ""):
        output = KATEX_TAGS.sub("", output)
    else:
        files = " ".join(href or src for href, src in KATEX_TAGS.findall(output))
        output = output.replace("<article ", f'<article data-convlab-katex="{files}" ', 1)

    # mkdocs-jupyter inlines JupyterLab's stylesheet (over 500 kB) into every notebook page, and it blocks the
    # first paint: the page gets a file of the rules that can apply to it (usedcss.py), a sixth of the bytes.
    def to_file(match: re.Match) -> str:
        css = used_rules(match.group(1), output)
        name = f"assets/stylesheets/jupyter.{hashlib.sha256(css.encode()).hexdigest()[:8]}.css"
        path = Path(config["site_dir"]) / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(css, encoding="utf-8")
        return f'<link rel="stylesheet" href="{get_relative_url(name, page.url)}">'

    return LARGE_STYLE.sub(to_file, output)


def on_post_build(config):
    # mkdocs-jupyter copies each executed notebook beside its page for download; a reader's Jupyter cannot
    # fill the placeholders, so the copy gets each picture's description (linked to the page) and the numbers.
    site, run = Path(config["site_dir"]), run_folder()
    for path in sorted(site.glob("lesson/*/*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        page_url = config["site_url"].rstrip("/") + "/" + path.parent.relative_to(site).as_posix() + "/"
        for cell in notebook["cells"]:
            if cell["cell_type"] == "markdown":
                text = "".join(cell["source"])
                cell["source"] = placeholders_as_markdown(
                    text, Path(config["docs_dir"]), run, page_url, config["repo_url"]
                )
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
