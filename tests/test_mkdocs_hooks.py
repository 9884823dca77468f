"""The hooks, in real MkDocs builds: a fork's settings reach every repository link, install line, clone command and
download; each notebook page opens its published notebook in Colab; each page has the tags a shared link shows,
with a picture the site serves; `make serve` follows a notebook's source; the run's numbers fill the pages, and a
placeholder the build cannot fill stops it with one line naming the source file, its line and the names there are."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from pagereader import read_page
from placeholders import repo_text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
UPSTREAM = ("https://convlab.github.io/convlab/", "https://github.com/convlab/convlab")
FORK = ("https://someone.github.io/kernels/", "https://github.com/someone/kernels")
LESSONS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.py"))
TEXT = (".html", ".ipynb", ".xml", ".json", ".js", ".txt")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fork_site(built_site, tmp_path_factory):
    """Return the site built from this project with a fork's SITE_URL and REPO_URL (the docs `make site` made)."""
    out = tmp_path_factory.mktemp("fork") / "site"
    site_url, repo_url = FORK
    env = {**os.environ, "SITE_URL": site_url, "REPO_URL": repo_url}
    command = [BIN / "mkdocs", "build", "--strict", "--quiet", "--site-dir", out]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def _text_files(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob("*") if p.suffix in TEXT}


class _Page:
    """A page's text and its tags' attributes in document order, and so its meta tags and links."""

    def __init__(self, html):
        self.document = read_page(html)

    def get_text(self) -> str:
        """Return every piece of text on the page joined, as a reader's copy of it would hold."""
        return self.document.text()

    def find_all(self, tag: str, **wanted) -> list[dict]:
        """Return the attributes of each ``tag`` whose attributes include ``wanted``."""
        return [e.attrs for e in self.document.iter(tag) if wanted.items() <= e.attrs.items()]

    def first_with_class(self, tag: str, classes: set[str]) -> dict | None:
        """Return the attributes of the first ``tag`` with one of ``classes``, or None."""
        return next((e.attrs for e in self.document.iter(tag) if classes & e.classes()), None)


def _page(site: Path, path: str) -> _Page:
    return _Page((site / path).read_text())


def _site_file(site: Path, url: str, site_url: str) -> Path:
    """Return the file of ``site`` that ``url`` (an address under ``site_url``) names."""
    assert url.startswith(site_url), url
    path = site / url.removeprefix(site_url)
    return path / "index.html" if url.endswith("/") else path


def test_a_forks_site_names_the_fork_everywhere_and_upstream_nowhere(fork_site):
    files = _text_files(fork_site)
    for needle in (*UPSTREAM, "convlab.github.io", "github.com/convlab"):
        assert not [name for name, text in files.items() if needle in text], needle
    install = repo_text("install", FORK[1])
    for lesson in LESSONS:  # the pages and the notebooks readers download
        assert install in _page(fork_site, f"lesson/{lesson}/index.html").get_text(), lesson
        notebook = json.loads(files[f"lesson/{lesson}/{lesson}.ipynb"])
        assert install in "".join("".join(cell["source"]) for cell in notebook["cells"]), lesson
    assert install in _page(fork_site, "index.html").get_text()
    setup = _page(fork_site, "make-your-own/index.html").get_text()
    assert f"{repo_text('clone', FORK[1])}\ncd kernels\n" in setup


def test_no_repo_placeholder_is_left_in_any_page_or_download(fork_site):
    left = {name for name, text in _text_files(fork_site).items() if re.search(r"\{\{\s*repo\b", text)}
    assert not left, left


@pytest.mark.parametrize("settings", [UPSTREAM, FORK], ids=["upstream", "fork"])
def test_each_notebook_page_opens_its_published_notebook_in_colab(settings, built_site, fork_site):
    site = {UPSTREAM: built_site, FORK: fork_site}[settings]
    owner_repo = settings[1].removeprefix("https://github.com/")
    prefix = f"https://colab.research.google.com/github/{owner_repo}/blob/gh-pages/"
    for lesson in LESSONS:
        links = _page(site, f"lesson/{lesson}/index.html").find_all("a", **{"data-testid": "open-in-colab"})
        assert len(links) == 1, lesson
        href = links[0]["href"]
        assert href == f"{prefix}lesson/{lesson}/{lesson}.ipynb", href
        assert (site / href.removeprefix(prefix)).is_file(), href  # the download the build publishes


@pytest.mark.parametrize("settings", [UPSTREAM, FORK], ids=["upstream", "fork"])
def test_every_page_has_opengraph_and_twitter_tags_with_a_picture_the_site_serves(settings, built_site, fork_site):
    site, (site_url, _) = {UPSTREAM: built_site, FORK: fork_site}[settings], settings
    pages = [p for p in site.rglob("index.html") if "assets" not in p.parts and p.parent.name != "404"]
    assert len(pages) >= 9
    for page in pages:
        name = page.relative_to(site).as_posix()
        parsed = _page(site, name)
        tags = {m.get("property") or m.get("name"): m["content"] for m in parsed.find_all("meta") if m.get("content")}
        for key in ("og:title", "og:description", "og:url", "og:image", "twitter:card", "twitter:image"):
            assert tags.get(key), (name, key)
        assert tags["twitter:card"] == "summary_large_image" and tags["twitter:image"] == tags["og:image"]
        assert _site_file(site, tags["og:url"], site_url) == page, name
        picture = _site_file(site, tags["og:image"], site_url)
        assert picture.is_file() and picture.suffix == ".png", (name, tags["og:image"])
        first = parsed.first_with_class("figure", {"convlab-animation", "convlab-still"})
        if first is not None:  # the still of the page's first animation
            assert picture.name == f"{first['id'].removeprefix('animation-')}.png", name


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _copy_project(target: Path) -> None:
    """Copy what `make` reads and the outputs and records it made (a copy reuses every step); link .venv and data."""
    for name in ("Makefile", "mkdocs.yml", "pyproject.toml", "requirements.txt", "package.json", "package-lock.json"):
        shutil.copy2(ROOT / name, target / name)
    for folder in ("convlab", "scripts", "notebooks", "overrides", "docs", "build", "site"):
        shutil.copytree(ROOT / folder, target / folder, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in (".venv", "data"):
        (target / folder).symlink_to(ROOT / folder)
    # The linked .venv is this project's: make must never install the copy into it (an editable install would
    # then point every test at the copy's code).
    for name in ("requirements.txt", "pyproject.toml"):
        os.utime(target / name, (0, 0))


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()
    except OSError:
        return ""


def _wait_for(url: str, text: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in _fetch(url):
            return True
        time.sleep(1)
    return False


def test_make_serve_executes_an_edited_notebook_and_serves_the_new_page(built_site, tmp_path):
    _copy_project(tmp_path)
    address = f"127.0.0.1:{_free_port()}"
    page = f"http://{address}/convlab/lesson/convolution/"
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "REPO_URL", "EDIT_URI")}
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"SERVE_ADDRESS={address}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the server, make and a notebook's kernel: one group to stop at the end
    )
    try:
        assert _wait_for(page, "Convolution", 120), "make serve did not serve the lesson"
        source = tmp_path / "notebooks/convolution.py"
        text = source.read_text()
        marker = "# %% [markdown]\n"
        edited = text.replace(marker, f"{marker}# Edited while serving: printed {6 * 7} by the new cell.\n#\n", 1)
        source.write_text(edited.replace("\n# %%\n", "\n# %%\nprint('the answer is', 6 * 7)\n", 1))
        assert _wait_for(page, "the answer is 42", 240), "the served page did not follow the edited notebook"
        assert "Edited while serving" in _fetch(page)
        executed = (tmp_path / "docs/lesson/convolution.ipynb").read_text()
        assert "the answer is 42" in executed  # executed again through its step, into docs/lesson/
        theme, block = tmp_path / "overrides/main.html", "{% block extrahead %}"
        theme.write_text(theme.read_text().replace(block, f'{block}<meta name="preview" content="theme edited">', 1))
        assert _wait_for(page, 'content="theme edited"', 120), "the served page did not follow overrides/"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def mkdocs_build(project: Path, run) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONVLAB_RUN": str(run.path), "PYTHONPATH": str(ROOT / "scripts"), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path):
    """A one-page MkDocs project that uses the site's hooks."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(f"site_name: test\nhooks:\n  - {ROOT / 'scripts/mkdocs_hooks.py'}\n")
    return tmp_path


def test_a_metric_is_the_runs_number(project, build_run):
    (project / "docs/index.md").write_text("# Home\n\nTest accuracy: {{ metric test_accuracy }}.\n")
    result = mkdocs_build(project, build_run)
    assert result.returncode == 0, result.stderr
    expected = f"Test accuracy: {build_run.metrics().test_accuracy:.4f}."
    assert expected in (project / "site/index.html").read_text()


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("{{ metric no_such_metric }}", "no metric called 'no_such_metric': choose from test_loss, test_accuracy"),
        ("{{ animation no_such }}", "no animation called 'no_such': choose from conv, conv_stride_2"),
        ("{{ metric }}", "not a placeholder: write {{ KIND NAME }}, KIND one of animation, still, figure"),
        ("{{ animation }}", "not a placeholder"),
        ("{{ repo install }}", "the repository is not known: set repo_url in mkdocs.yml"),
    ],
)
def test_a_placeholder_the_build_cannot_fill_fails_it_in_one_line(project, build_run, line, says):
    (project / "docs/index.md").write_text(f"# Home\n\nSome text.\n\n{line}\n")
    result = mkdocs_build(project, build_run)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    ours = [text for text in result.stderr.splitlines() if "docs/index.md:5:" in text]
    assert len(ours) == 1 and f"docs/index.md:5: {line}: {says}" in ours[0], result.stderr
    assert not (project / "site/index.html").exists()
