"""A generated government site for the crawler fault: listing pages of 50 links each, and one
article page per announcement of the workload (title, date, body in the usual notice layout)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager

from tests.faults.records import make_record
from tests.fixtures.http import QuietHandler, serving

PER_PAGE = 50


def listing_page(page: int, pages: int, articles: int) -> str:
    first = (page - 1) * PER_PAGE + 1
    links = "".join(
        f'<li><a href="/art/{n}.html">第{n}号通知</a></li>'
        for n in range(first, min(first + PER_PAGE, articles + 1))
    )
    following = f'<a class="next" href="/list/{page + 1}.html">下一页</a>' if page < pages else ""
    return f'<html><body><ul class="news">{links}</ul><div class="pages">{following}</div></body></html>'


def article_page(n: int) -> str:
    record = make_record(n, prefix="crawl")
    return (
        f'<html><head><meta charset="utf-8"><title>{html.escape(record.title)}</title></head><body>'
        f'<h1>{html.escape(record.title)}</h1><span class="date">2026-01-{n % 28 + 1:02d}</span>'
        f'<div class="content"><p>{html.escape(record.text)}</p></div></body></html>'
    )


@contextmanager
def generated_site(articles: int) -> Iterator[str]:
    pages = (articles + PER_PAGE - 1) // PER_PAGE

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            body = self._page()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            payload = (body or "not found").encode("utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _page(self) -> str | None:
            kind, _, name = self.path.strip("/").partition("/")
            number = name.removesuffix(".html")
            if not number.isdigit():
                return None
            if kind == "list" and 1 <= int(number) <= pages:
                return listing_page(int(number), pages, articles)
            if kind == "art" and 1 <= int(number) <= articles:
                return article_page(int(number))
            return None

    with serving(Handler) as base:
        yield base
