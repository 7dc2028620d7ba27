"""Markdown to safe HTML for policy texts: CommonMark without raw HTML, then nh3."""

from __future__ import annotations

import difflib
import functools

import nh3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6",
        "hr", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead",
        "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)


def _shift_headings(html: str) -> str:
    # The page has its own <h1>; a policy's top-level headings become <h2>.
    for level in range(5, 0, -1):
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    return html


@functools.lru_cache(maxsize=32)
def render_markdown(text: str) -> SafeString:
    """Render Markdown to HTML that is safe to put in a page as it is."""
    html = _shift_headings(_parser.render(text))
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


def text_changes(old: str, new: str) -> SafeString:
    """What changed between two policy texts, paragraph by paragraph, as escaped HTML."""
    before = [p.strip() for p in old.split("\n\n") if p.strip()]
    after = [p.strip() for p in new.split("\n\n") if p.strip()]
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        parts.extend(
            format_html('<p class="change change--removed"><del>{}</del></p>', paragraph)
            for paragraph in before[a_start:a_end]
        )
        parts.extend(
            format_html('<p class="change change--added"><ins>{}</ins></p>', paragraph)
            for paragraph in after[b_start:b_end]
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part is built by format_html
