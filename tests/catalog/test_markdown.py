"""Campaign bodies are Markdown, sanitised: a campaign file can never put script or raw HTML on a page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from advocacy.catalog.markdown import markdown_to_html

from .conftest import campaign_toml

HOSTILE_BODY = """
**Why** it matters, with [a good link](https://example.org/ok) and [mail us](mailto:hi@example.org).

<script>alert('script')</script>

<img src="x" onerror="alert('img')">

Inline <b onclick="alert('b')">bold</b> and <iframe src="https://evil.test"></iframe>.

[click me](javascript:alert('link')) and [data](data:text/html;base64,PHNjcmlwdD4=)

<javascript:alert('autolink')>

![tracker](https://evil.test/pixel.png)

<a href="https://evil.test" style="position:fixed">raw anchor</a>
"""
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "h2", "h3", "h4", "code", "pre", "hr"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_in(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def assert_safe(html: str) -> None:
    tags = tags_in(html)
    assert {tag for tag, _ in tags} <= ALLOWED_TAGS, tags
    for tag, attrs in tags:
        assert not any(name.startswith("on") or name == "style" for name in attrs), (tag, attrs)
        if tag == "a":
            assert re.match(r"(https?|mailto):", attrs.get("href") or ""), attrs
            assert attrs.get("rel") == "noopener noreferrer"
    assert "javascript:" not in " ".join(str(v) for _, attrs in tags for v in attrs.values())


def test_markdown_keeps_formatting_and_safe_links_only():
    html = str(markdown_to_html(HOSTILE_BODY))
    assert_safe(html)
    assert "<strong>Why</strong>" in html
    assert '<a href="https://example.org/ok" rel="noopener noreferrer">a good link</a>' in html
    assert 'href="mailto:hi@example.org"' in html
    assert "<script" not in html and "<img" not in html and "<iframe" not in html


def test_rendered_campaign_page_has_no_script_or_raw_html_from_the_file(campaign_app):
    app = campaign_app({"hostile.toml": campaign_toml("hostile", body=HOSTILE_BODY)})
    page = app.test_client().get("/campaigns/hostile").get_data(as_text=True)
    section = re.search(r'<section class="campaign-body".*?</section>', page, re.S).group(0)
    assert_safe(section.split(">", 1)[1].rsplit("<", 1)[0])  # the body inside the section element
    assert "https://example.org/ok" in section
    # Only the site's own script tag is on the page; nothing from the campaign file runs.
    assert re.findall(r"<script\b[^>]*>", page) == ['<script src="/static/site.js" defer>']


def test_title_and_summary_are_escaped_text(campaign_app):
    text = campaign_toml("x").replace('title = "Title of x"', 'title = "<script>alert(1)</script>"')
    app = campaign_app({"x.toml": text})
    page = app.test_client().get("/campaigns/x").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
