"""``policyradar sources add URL``: fetch a page once (safely), discover its feeds, sitemaps and
announcement listing, and write a disabled source spec for review."""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml
from parsel import Selector

from crawlers.decoding import decode_html
from crawlers.sources import SourceSpec
from policyradar.settings import get_settings
from policyradar.urlsafety import FetchError, Resolver, UnsafeUrlError, fetch_following, resolve_all

MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "PolicyRadarBot/0.1 (sources add)"
ARTICLE_HINT = re.compile(r"(\d{4,}|\.s?html?$|/t\d+|/art/|/content)", re.IGNORECASE)
NEXT_TEXTS = ("下一页", "下页", "Next", "next", "›", "»")


@dataclass
class Discovery:
    url: str
    title: str = ""
    language: str = "zh"
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    listing_selector: str | None = None
    sample_links: list[str] = field(default_factory=list)
    next_page_selector: str | None = None
    fetched_bytes: int = 0


def safe_fetch(
    url: str, allowed: tuple[str, ...], max_bytes: int = MAX_BYTES, resolve: Resolver = resolve_all
) -> tuple[str, bytes, str | None]:
    """GET ``url`` following at most five redirects, each hop checked and fetched from the address
    that was checked; return (final URL, body, charset). Raises UnsafeUrlError or FetchError."""
    page = fetch_following(
        url,
        max_bytes=max_bytes,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT},
        timeout=20,
        allowed=allowed,
        resolve=resolve,
    )
    if not 200 <= page.status < 300:
        raise FetchError(f"{page.url}: HTTP {page.status}")
    return page.url, page.body, page.charset


def discover(url: str, body: bytes, charset: str | None) -> Discovery:
    """Feeds, sitemaps (from robots.txt, fetched by the caller) and the likeliest listing of a page."""
    text = decode_html(body, charset).text
    html = Selector(text=text)
    found = Discovery(url=url, title=" ".join(html.css("title::text").get("").split()))
    found.language = "zh" if len(re.findall(r"[\u4e00-\u9fff]", text)) > 50 else "en"
    for href in html.css(
        "link[rel=alternate][type*=rss]::attr(href), link[rel=alternate][type*=atom]::attr(href)"
    ).getall():
        found.feeds.append(urljoin(url, href))
    found.listing_selector, found.sample_links = _best_link_group(html, url)
    for label in NEXT_TEXTS:
        if html.css(f"a:contains('{label}')::attr(href)").get():
            found.next_page_selector = f"a:contains('{label}')::attr(href)"
            break
    return found


def _best_link_group(html: Selector, page_url: str) -> tuple[str | None, list[str]]:
    """The CSS path whose links look most like announcements: many, same host, article-like URLs."""
    host = urlsplit(page_url).hostname
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for anchor in html.css("a[href]"):
        href = urljoin(page_url, anchor.attrib["href"])
        label = " ".join(anchor.xpath("string()").get("").split())
        if urlsplit(href).hostname != host or len(label) < 6 or not ARTICLE_HINT.search(href):
            continue
        groups[_css_path(anchor)].append((href, label))
    if not groups:
        return None, []
    path, links = max(groups.items(), key=lambda item: len(item[1]) * min(30, _mean_len(item[1])))
    return (f"{path}::attr(href)" if len(links) >= 3 else None), [href for href, _ in links[:5]]


def _css_path(anchor: Selector) -> str:
    """``ul.news-list li a``: the anchor under its two nearest ancestors (tag and first class)."""
    parts = []
    for ancestor in anchor.xpath("ancestor::*")[-2:]:  # document order: grandparent, parent
        tag = ancestor.xpath("name()").get()
        classes = (ancestor.attrib.get("class") or "").split()
        parts.append(f"{tag}.{classes[0]}" if classes else tag)
    return " ".join([*parts, "a"])


def _mean_len(links: list[tuple[str, str]]) -> float:
    return sum(len(label) for _, label in links) / len(links)


def sitemaps_from_robots(robots: str, base: str) -> list[str]:
    return [
        urljoin(base, line.split(":", 1)[1].strip())
        for line in robots.splitlines()
        if line.lower().startswith("sitemap:")
    ]


def build_spec(found: Discovery, source_id: str) -> dict:
    host = urlsplit(found.url).hostname or ""
    government = host.endswith(".gov.cn")
    entries: list[dict] = [{"kind": "feed", "url": feed} for feed in found.feeds]
    if found.listing_selector:
        entry = {"kind": "listing", "url": found.url, "link_selector": found.listing_selector}
        if found.next_page_selector:
            entry["next_page_selector"] = found.next_page_selector
        entries.append(entry)
    entries += [{"kind": "sitemap", "url": sitemap} for sitemap in found.sitemaps]
    spec = {
        "id": source_id,
        "name": found.title or host,
        "publisher_kind": "government" if government else "company",
        "jurisdiction": "CN" if government else "company",
        "language": found.language,
        "entry_points": entries,
        "homepage": f"{urlsplit(found.url).scheme}://{urlsplit(found.url).netloc}/",
        "notes": "written by 'policyradar sources add'; review the selectors, then set enabled: true",
        "enabled": False,
    }
    SourceSpec.model_validate(spec)  # never write a spec the loader would refuse
    return spec


def discover_site(url: str, allowed: tuple[str, ...], resolve: Resolver = resolve_all) -> Discovery:
    """Fetch ``url`` safely and discover its feeds, listing and (from robots.txt) sitemaps. Raises
    UnsafeUrlError (refused address) or FetchError (HTTP error, too large, too many redirects)."""
    final_url, body, charset = safe_fetch(url, allowed, resolve=resolve)
    found = discover(final_url, body, charset)
    found.fetched_bytes = len(body)
    try:
        robots_url = urljoin(final_url, "/robots.txt")
        _, robots, robots_charset = safe_fetch(robots_url, allowed, 256 * 1024, resolve)
        found.sitemaps = sitemaps_from_robots(robots.decode(robots_charset or "utf-8", "replace"), final_url)
    except (UnsafeUrlError, FetchError):
        pass  # no robots.txt: no sitemaps announced
    return found


def default_source_id(url: str) -> str:
    """``example-gov-cn`` for https://www.example.gov.cn/...: the host, lower-case, dashes."""
    host = urlsplit(url).hostname or "source"
    return re.sub(r"[^a-z0-9]+", "-", host.removeprefix("www.").lower()).strip("-")[:60]


def found_anything(found: Discovery) -> bool:
    return bool(found.feeds or found.sitemaps or found.listing_selector)


def review_folder(sources_dir: Path) -> Path:
    """Where new specs wait for review: ``_review/`` under the sources folder (loaded, disabled)."""
    return sources_dir / "_review"


def write_review_spec(spec: dict, folder: Path) -> Path:
    """Write ``spec`` (built by ``build_spec`` or checked by ``SourceSpec``) as ``<id>.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec['id']}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def add_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    found = discover_site(args.url, settings.allow_private_hosts)
    source_id = args.id or default_source_id(found.url)
    print(f"fetched {found.url} ({found.fetched_bytes} bytes): {found.title or '(no title)'}")
    print(f"  feeds:    {', '.join(found.feeds) or 'none'}")
    print(f"  sitemaps: {', '.join(found.sitemaps) or 'none'}")
    print(
        f"  listing:  {found.listing_selector or 'none found'}"
        + (f" (pagination: {found.next_page_selector})" if found.next_page_selector else "")
    )
    for link in found.sample_links:
        print(f"            {link}")
    if not found_anything(found):
        print("nothing to crawl was found; no spec written")
        return 1
    path = write_review_spec(build_spec(found, source_id), args.out or review_folder(settings.sources_dir))
    print(f"wrote {path} (disabled): review it, then 'policyradar sources preview {source_id}'")
    return 0
