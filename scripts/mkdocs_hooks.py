"""MkDocs hooks: fill the pages' placeholders with what the build computed (see convlab/site.py)."""

from pathlib import Path

from mkdocs.utils import get_relative_url

from convlab.site import expand_placeholders


def on_page_content(html, page, config, files):
    # Raw HTML is not rewritten by MkDocs, so links are made relative to the page here.
    def url_for(path: str) -> str:
        return get_relative_url(path, page.file.url)

    run_dir = Path(config["extra"]["convlab_run"])
    return expand_placeholders(html, Path(config["docs_dir"]), run_dir, url_for)
