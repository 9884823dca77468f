"""One reader of a built page's HTML, for the build's scripts and the tests: its elements as a tree, each with its
attributes, its text and the elements around it (html.parser's events, nested by their tags)."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

# Elements that never hold anything, so have no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    """One element: its tag, its attributes, the element it sits in, and what it holds (elements and text)."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def iter(self, tag: str | None = None) -> Iterator[Element]:
        """Yield this element and every element inside it in document order (only ``tag``'s, if given)."""
        pending = [self]
        while pending:
            element = pending.pop()
            if tag is None or element.tag == tag:
                yield element
            pending.extend(reversed([c for c in element.children if isinstance(c, Element)]))

    def find(self, tag: str) -> Element | None:
        """Return the first element inside this one (or this one) with ``tag``, or None."""
        return next(self.iter(tag), None)

    def text(self) -> str:
        """Return every piece of text inside this element joined, as a reader's copy of it would hold."""
        pieces, pending = [], [self]
        while pending:
            node = pending.pop()
            if isinstance(node, str):
                pieces.append(node)
            else:
                pending.extend(reversed(node.children))
        return "".join(pieces)

    def classes(self) -> set[str]:
        """Return the element's classes."""
        return set((self.attrs.get("class") or "").split())

    def ancestors(self) -> Iterator[Element]:
        """Yield the elements this one sits in, nearest first."""
        element = self.parent
        while element is not None:
            yield element
            element = element.parent


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.open = Element("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self.open)
        self.open.children.append(element)
        if tag not in VOID:
            self.open = element

    def handle_endtag(self, tag):
        # An end tag closes the nearest open element of its tag (and those left open inside it); a stray one is
        # ignored, as a browser does.
        closing = next((e for e in [self.open, *self.open.ancestors()] if e.tag == tag), None)
        if closing is not None and closing.parent is not None:
            self.open = closing.parent

    def handle_data(self, data):
        self.open.children.append(data)


def read_page(html: str) -> Element:
    """Return the document of a page's HTML, whose elements ``iter()`` walks in document order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.root
