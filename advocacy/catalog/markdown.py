"""Campaign Markdown to HTML, sanitised with nh3 so a campaign file can never inject script."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "h2", "h3", "h4", "code", "pre", "hr"}
_ATTRIBUTES = {"a": {"href", "title"}}


@lru_cache(maxsize=256)
def markdown_to_html(source: str) -> Markup:
    html = _MD.render(source)
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
