"""The page reader: elements nested by their tags as a browser nests them, with their text and attributes."""

from pagereader import read_page

HTML = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="a.png"></head>
<body><p id="first" class="lead big">One <b>two</b></p><picture><source srcset="n.png 1x" media="(max-width: 480px)">
<img src="w.png" alt="w"></picture></div><p>three &amp; four<br>five</p><svg><path d="M0"/></svg><i>six</i>
</body></html>"""


def test_elements_nest_as_a_browser_nests_them_and_keep_document_order():
    document = read_page(HTML)
    tags = [e.tag for e in document.iter()]
    head = ["#document", "html", "head", "meta", "link"]
    assert tags == [*head, "body", "p", "b", "picture", "source", "img", "p", "br", "svg", "path", "i"]
    img = document.find("img")
    assert [e.tag for e in img.ancestors()] == ["picture", "body", "html", "#document"]  # void <source> holds nothing
    assert document.find("i").parent.tag == "body"  # a self-closed <path/> and a stray </div> close nothing else


def test_text_attributes_and_classes_are_the_pages():
    document = read_page(HTML)
    first = document.find("p")
    assert first.text() == "One two" and first.attrs == {"id": "first", "class": "lead big"}
    assert first.classes() == {"lead", "big"} and document.find("b").classes() == set()
    assert [p.text() for p in document.iter("p")] == ["One two", "three & fourfive"]
    assert document.find("source").attrs["media"] == "(max-width: 480px)" and document.find("table") is None
