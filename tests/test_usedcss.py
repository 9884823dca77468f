"""The rules of a stylesheet that can apply to a page (scripts/usedcss.py)."""

from usedcss import used_rules

CSS = """
.jp-Cell { color: red }
.jp-Widget .jp-Slider { color: blue }
[data-md-color-scheme="slate"] .jp-Cell:hover, .absent { color: green }
@media (max-width: 600px) { .jp-Cell pre { margin: 0 } .absent { margin: 1px } }
@media print { .absent { margin: 2px } }
@font-face { font-family: X; src: url(x.woff2) }
:root { --jp-x: 1px }
table.jp-Cell { border: 0 }
"""


def test_keeps_the_rules_whose_classes_and_elements_the_page_holds_in_their_order():
    html = '<html><body data-md-color-scheme="default"><div class="jp-Cell"><pre>x</pre></div></body></html>'
    kept = used_rules(CSS, html)
    assert [line.split("{")[0].strip() for line in kept.splitlines()] == [
        ".jp-Cell",
        '[data-md-color-scheme="slate"] .jp-Cell:hover, .absent',  # the dark scheme's rule, for the toggle
        "@media (max-width: 600px)",
        "@font-face",
        ":root",
    ]
    assert ".jp-Cell pre" in kept and "margin: 1px" not in kept and "margin: 2px" not in kept
