"""At a phone's width (390 px) what a notebook cell exists to show is in view without scrolling sideways: no
printed output, no table and no formula is wider than its box. Code may be, where a line cannot be shorter, and
then shows the scroll cue (a shadow at the edge where more is hidden)."""

import pytest
from screenshots import VIEWPORTS
from test_browser import PAGES, Visit

# Every box that scrolls sideways at this width, what it holds, and whether it shows the cue.
SCROLLING_BOXES = """() => [...document.querySelectorAll("article *")]
  .filter((box) => box.offsetParent && ["auto", "scroll"].includes(getComputedStyle(box).overflowX))
  .filter((box) => box.scrollWidth > box.clientWidth + 1)
  .map((box) => ({
    kind: box.closest(".katex-display, .katex") ? "formula"
      : box.closest(".highlight, .jp-InputArea") ? "code"
      : box.closest(".jp-OutputArea-output") ? "output"
      : box.closest(".md-typeset__scrollwrap, table") ? "table" : "other",
    text: box.textContent.trim().slice(0, 60),
    cue: getComputedStyle(box).backgroundImage.includes("radial-gradient"),
  }))"""


@pytest.mark.parametrize("path", [*PAGES, "digit/"])
def test_outputs_and_formulas_fit_a_phone_and_code_that_scrolls_says_so(browser, site_server, path):
    base, _ = site_server
    visit = Visit(browser, base + path, viewport=VIEWPORTS["phone"])
    boxes = visit.page.evaluate(SCROLLING_BOXES)
    visit.close()
    code = [box for box in boxes if box["kind"] == "code"]
    print(f"{path or 'home'}: {len(code)} code boxes scroll at 390 px")
    assert [f"{box['kind']}: {box['text']}" for box in boxes if box["kind"] != "code"] == []
    assert [box["text"] for box in code if not box["cue"]] == []
