"""The notebooks a reader downloads run top to bottom in an empty folder, offline, with MNIST where torchvision's
download puts it; the layers page gives the same numbers every time."""

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from convlab.data import MD5, raw_dir

NAMES = ["convolution", "layers", "cnn"]
OFFLINE = "http://127.0.0.1:9"  # a port nothing listens on: any download attempt fails at once


def _downloaded(site, name):
    """Return the notebook behind the page's download button, without its outputs."""
    notebook = nbformat.read(site / f"lesson/{name}/{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


@pytest.fixture
def empty_folder(tmp_path, mnist_root, monkeypatch):
    """Return an empty folder holding only MNIST's files where torchvision's download would put them; offline."""
    shutil.copytree(raw_dir(mnist_root), raw_dir(tmp_path / "data"))
    monkeypatch.delenv("CONVLAB_RUN", raising=False)
    monkeypatch.setenv("CONVLAB_QUICK", "1")  # the cnn notebook's quick try, as it tells its readers
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(variable, OFFLINE)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    return tmp_path


def _run(notebook, folder):
    NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    ).execute()
    return notebook


def _text(notebook) -> list[str]:
    """Return every text output of the notebook, in order."""
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text") or output.get("data", {}).get("text/html", ""))
    return texts


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_a_downloaded_notebook_runs_in_an_empty_folder_offline(built_site, empty_folder, name):
    notebook = _run(_downloaded(built_site, name), empty_folder)
    assert all(cell.get("outputs") is not None for cell in notebook.cells if cell.cell_type == "code")
    written = {path.relative_to(empty_folder).parts[0] for path in empty_folder.iterdir()}
    assert written == {"data"}, f"{name} wrote {written} into the reader's folder"
    assert sorted(path.name for path in raw_dir(empty_folder / "data").iterdir()) == sorted(MD5)
    if name == "cnn":
        assert any("No run found: trained here" in text for text in _text(notebook))


@pytest.mark.slow
def test_the_layers_page_gives_the_same_numbers_every_time(built_site, empty_folder):
    first, second = (_text(_run(_downloaded(built_site, "layers"), empty_folder)) for _ in range(2))
    assert first == second
    assert any("negative values before ReLU" in text for text in first)
