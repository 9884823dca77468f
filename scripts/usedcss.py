"""The rules of a stylesheet that can apply to a page: those whose selectors name only classes, ids and elements
the page's HTML holds (pseudo-classes and attribute tests left out, so a rule that could apply stays)."""

from __future__ import annotations

import re

import tinycss2
from pagereader import read_page

PSEUDO = re.compile(r"::?[\w-]+(\((?:[^()]|\([^()]*\))*\))?")
ATTRIBUTE = re.compile(r"\[[^\]]*\]")
GROUPING = ("media", "supports", "layer", "container")  # at-rules whose rules are kept by their own selectors


def page_names(html: str) -> set[str]:
    """Return the element names, ".class" and "#id" names in the HTML."""
    names = set()
    for element in read_page(html).iter():
        if element.parent is None:  # the document itself
            continue
        names.add(element.tag)
        names.update(f".{part}" for part in element.classes())
        if element.attrs.get("id"):
            names.add(f"#{element.attrs['id']}")
    return names


def _can_apply(selector: str, names: set[str]) -> bool:
    plain = ATTRIBUTE.sub(" ", PSEUDO.sub(" ", selector))
    needed = re.findall(r"[.#][\w-]+", plain)
    elements = re.findall(r"(?:^|[\s>+~(,])([a-zA-Z][\w-]*)", plain)
    return all(name in names for name in needed) and all(tag.lower() in names for tag in elements)


def _kept(rules: list, names: set[str]) -> str:
    out = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = tinycss2.serialize(rule.prelude).split(",")
            if any(_can_apply(selector, names) for selector in selectors):
                out.append(rule.serialize())
        elif rule.type == "at-rule" and rule.lower_at_keyword in GROUPING and rule.content is not None:
            inner = _kept(tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True), names)
            if inner:
                out.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{inner}}}")
        elif rule.type == "at-rule":
            out.append(rule.serialize())
    return "\n".join(out)


def used_rules(css: str, html: str) -> str:
    """Return the rules of ``css`` that can apply to the page ``html``, in their order (at-rules such as
    @font-face and @keyframes kept whole)."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return _kept(rules, page_names(html))
