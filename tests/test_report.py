"""The notebook tables: the numbers of metrics.json, rounded as printed, and escaped HTML."""

from html.parser import HTMLParser

from convlab.report import final_result, html_table, provenance, results_table

METRICS = {
    "epochs": [
        {"epoch": 1, "train_loss": 0.25516, "train_accuracy": 0.92071, "val_loss": 0.08061, "val_accuracy": 0.97357},
        {"epoch": 2, "train_loss": 0.07449, "train_accuracy": 0.97675, "val_loss": 0.05694, "val_accuracy": 0.98157},
    ],
    "test_loss": 0.04104,
    "test_accuracy": 0.98767,
    "test_size": 3000,
    "seconds": 31.4,
    "threads": 2,
    "torch": "2.14.1",
    "seed": 0,
    "finished": "2026-11-25 12:00 UTC",
    "runtime": {"device": "cpu", "cpu": "x86_64", "bf16_autocast": True},
}


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.table_id = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.table_id = dict(attrs).get("id")
        if tag == "tr":
            self.rows.append([])

    def handle_data(self, data):
        self.rows[-1].append(data)


def test_results_table_rows_are_the_epochs_rounded_to_four_places():
    cells = _Cells()
    cells.feed(results_table(METRICS))
    assert cells.table_id == "results"
    assert cells.rows[1:] == [
        ["1", "0.2552", "0.9207", "0.0806", "0.9736"],
        ["2", "0.0745", "0.9768", "0.0569", "0.9816"],
    ]


def test_cells_are_escaped():
    assert "<td>&lt;b&gt;</td>" in html_table(["x"], [["<b>"]])


def test_test_result_and_provenance_state_the_run():
    assert "Test loss 0.0410, test accuracy 0.9877</strong> on 3,000 test images" in final_result(METRICS)
    assert provenance(METRICS).startswith("Trained in 31 s on the CPU (x86_64, 2 threads, bfloat16 autocast on)")
