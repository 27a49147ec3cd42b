"""Turn one announcement page into the fields of a raw record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import trafilatura
from htmldate import find_date
from parsel import Selector

from crawlers.dates import parse_date
from crawlers.sources import Selectors

_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "td", "blockquote", "pre")
# Paragraph-like elements that hold no other paragraph-like element.
LEAF_XPATH = " | ".join(f".//{tag}[not(.//{' or .//'.join(_BLOCKS)})]" for tag in _BLOCKS)
NOISE_XPATH = ".//script | .//style | .//noscript | .//nav | .//form"


@dataclass(frozen=True)
class PageFields:
    title: str
    published_at: datetime | None
    text: str


class ExtractionError(ValueError):
    """The page has no usable title or body text."""


def extract_page(html: Selector, selectors: Selectors) -> PageFields:
    """Title, date and body text by the source's selectors, with generic fallbacks."""
    title = _first_text(html, selectors.title) or _first_text(html, "h1") or _first_text(html, "title")
    text = _block_text(html, selectors.body) if selectors.body else ""
    if not text:
        text = _main_text(html) or _largest_text_block(html)
    if not title:
        raise ExtractionError("no title found (title selector, <h1> and <title> are all empty)")
    if not text:
        raise ExtractionError("no body text found")
    date_text = _first_text(html, selectors.date) if selectors.date else None
    published = (
        parse_date(date_text)
        or parse_date(_first_text(html, "time::attr(datetime)"))
        or parse_date(_first_text(html, DATE_META))
        or _metadata_date(html)
    )
    return PageFields(title=title, published_at=published, text=text)


# Government article pages carry their date in meta tags (《政府网站发展指引》: PubDate).
DATE_META = (
    "meta[name=PubDate]::attr(content), meta[name=pubdate]::attr(content), "
    "meta[property='article:published_time']::attr(content)"
)


def _main_text(html: Selector) -> str:
    """The page's main text as trafilatura finds it (boilerplate, menus and footers removed)."""
    text = trafilatura.extract(html.get(), include_comments=False, include_tables=True, favor_precision=True)
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


def _metadata_date(html: Selector) -> datetime | None:
    """The publication date htmldate finds (URL, JSON-LD, headers, the text), with the options
    trafilatura's own metadata used: the original date, searched extensively, never in the future."""
    found = find_date(
        html.get(), original_date=True, extensive_search=True, max_date=date.today().isoformat()
    )
    return parse_date(found) if found else None


def _first_text(html: Selector, css: str | None) -> str:
    if not css:
        return ""
    for node in html.css(css):
        # A pseudo-element selector (::text, ::attr(...)) already yields a string per node.
        value = node.get() if "::" in css else " ".join(node.css("::text").getall())
        value = " ".join(value.split())
        if value:
            return value
    return ""


def _block_text(html: Selector, css: str) -> str:
    blocks = html.css(css)
    return "\n\n".join(filter(None, (_paragraphs(block) for block in blocks)))


def _paragraphs(block: Selector) -> str:
    """Text of a block, one line per paragraph-like element; scripts and navigation dropped."""
    for noise in block.xpath(NOISE_XPATH):
        noise.drop()
    leaves = block.xpath(LEAF_XPATH)
    if not leaves:
        return " ".join(block.xpath("string()").get("").split())
    lines = (" ".join(leaf.xpath("string()").get("").split()) for leaf in leaves)
    return "\n".join(line for line in lines if line)


def _largest_text_block(html: Selector) -> str:
    """Fallback body: the element whose direct <p> children hold the most text."""
    best, best_len = "", 0
    for parent in html.xpath("//*[p]"):
        text = "\n".join(" ".join(p.xpath("string()").get("").split()) for p in parent.xpath("./p"))
        if len(text) > best_len:
            best, best_len = text.strip(), len(text)
    return best
