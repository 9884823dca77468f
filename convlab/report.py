"""Small HTML pieces the lesson notebooks display: tables of shapes and of the training results."""

from __future__ import annotations

import html


def html_table(header: list[str], rows: list[list], table_id: str | None = None) -> str:
    """Return an HTML table with a header row; cells are escaped."""
    attribute = f' id="{table_id}"' if table_id else ""
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table{attribute}><tr>{head}</tr>{body}</table>"


def results_table(metrics: dict) -> str:
    """Return the per-epoch results of a run (from metrics.json) as a table with id "results"."""
    keys = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
    rows = [[epoch["epoch"], *(f"{epoch[key]:.4f}" for key in keys)] for epoch in metrics["epochs"]]
    header = ["epoch", "train loss", "train accuracy", "validation loss", "validation accuracy"]
    return html_table(header, rows, table_id="results")


def final_result(metrics: dict) -> str:
    """Return the final test loss and accuracy of a run as a paragraph with id "test-result"."""
    return (
        f'<p id="test-result"><strong>Test loss {metrics["test_loss"]:.4f}, test accuracy '
        f"{metrics['test_accuracy']:.4f}</strong> on {metrics['test_size']:,} test images.</p>"
    )


def provenance(metrics: dict) -> str:
    """Return one line saying where and when the run's numbers came from."""
    runtime = metrics["runtime"]
    bf16 = "on" if runtime["bf16_autocast"] else "off"
    return (
        f"Trained in {metrics['seconds']:.0f} s on the {runtime['device'].upper()} ({runtime['cpu']}, "
        f"{metrics['threads']} threads, bfloat16 autocast {bf16}), torch {metrics['torch']}, "
        f"seed {metrics['seed']}, finished {metrics['finished']}."
    )
