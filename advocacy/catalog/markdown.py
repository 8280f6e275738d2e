"""Campaign Markdown to HTML, sanitised with nh3 so a campaign file can never inject script; or to plain text."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "h2", "h3", "h4", "code", "pre", "hr"}
_ATTRIBUTES = {"a": {"href", "title"}}


@lru_cache(maxsize=256)
def markdown_to_html(source: str) -> Markup:
    html = _MD.render(source)
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above  # nosec B704


def markdown_to_text(source: str) -> str:
    """Campaign Markdown as plain text (a petition's PDF, an email): blocks apart, list items numbered or dashed."""
    blocks: list[str] = []
    items: list[str] = []  # the lines of the list being read
    lists: list[int | None] = []  # per open list: the next number, or None for bullets
    marker = ""
    for token in _MD.parse(source):
        if token.type in {"ordered_list_open", "bullet_list_open"}:
            lists.append(int(token.attrGet("start") or 1) if token.type == "ordered_list_open" else None)
        elif token.type in {"ordered_list_close", "bullet_list_close"}:
            lists.pop()
            if not lists:
                blocks.append("\n".join(items))
                items = []
        elif token.type == "list_item_open":
            number = lists[-1]
            marker = "-" if number is None else f"{number}."
            if number is not None:
                lists[-1] = number + 1
        elif token.type == "inline":
            text = _inline_text(token.children or [])
            if not lists:
                blocks.append(text)
                continue
            indent = "   " * (len(lists) - 1)
            # The item's first paragraph carries its marker; later ones line up under its text.
            items.append(f"{indent}{marker} {text}" if marker else f"{indent}   {text}")
            marker = ""
        elif token.type in {"fence", "code_block"}:
            (items if lists else blocks).append(token.content.rstrip("\n"))
    return "\n\n".join(block for block in blocks if block)


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    href = ""
    for child in children:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
        elif child.type == "link_close" and href:
            parts.append(f" ({href})")  # on paper a link is only as good as its address
            href = ""
    return "".join(parts).strip()
