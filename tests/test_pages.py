"""The page build: a fresh folder replaces site/ only when MkDocs succeeded."""

from pathlib import Path

import pytest
from pages import build_pages, replace_folder


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A small MkDocs project (strict, so a broken link fails it), with the site it built before."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text("# Home\n\nSee [the other page](other.md).\n")
    (tmp_path / "docs/other.md").write_text("# Other\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: test\n")
    monkeypatch.chdir(tmp_path)
    assert build_pages(Path("site"), Path("build")) == 0
    return tmp_path


def test_a_build_replaces_the_site_whole(project):
    before = _files(project / "site")
    assert "other/index.html" in before
    (project / "docs/other.md").unlink()
    (project / "docs/index.md").write_text("# Home, alone\n")
    assert build_pages(Path("site"), Path("build")) == 0
    after = _files(project / "site")
    assert "other/index.html" not in after and b"Home, alone" in after["index.html"]
    assert not (project / "build/site.new").exists() and not (project / "build/site.old").exists()


def test_a_failed_build_leaves_the_site_as_it_was(project):
    before = _files(project / "site")
    (project / "docs/other.md").unlink()  # index.md now links to a missing page: strict mode fails
    assert build_pages(Path("site"), Path("build")) != 0
    assert _files(project / "site") == before
    assert not (project / "build/site.new").exists()


def test_replace_folder_puts_the_new_folder_in_place_with_or_without_an_old_one(tmp_path):
    new, target, aside = tmp_path / "new", tmp_path / "site", tmp_path / "old"
    new.mkdir()
    (new / "a.html").write_text("new")
    replace_folder(new, target, aside)
    assert _files(target) == {"a.html": b"new"} and not new.exists()
    new.mkdir()
    (new / "b.html").write_text("newer")
    replace_folder(new, target, aside)
    assert _files(target) == {"b.html": b"newer"} and not aside.exists()
