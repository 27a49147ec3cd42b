"""The ``policyradar`` command. Each subcommand names its handler by dotted path and is imported
only when run, so the shared core never imports a stage (and ``--help`` stays fast)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from policyradar.errors import PolicyRadarError
from policyradar.logs import configure_logging, set_stage
from policyradar.settings import get_settings

Handler = Callable[[argparse.Namespace], int]


def _stack(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stack", help="start, stop or inspect the local Kafka + OpenSearch stack")
    p.add_argument("action", choices=["up", "down", "status"])
    p.set_defaults(handler="launcher.commands:stack_command")


def _crawl(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crawl", help="crawl enabled sources once and produce raw records to Kafka")
    p.add_argument("--source", action="append", metavar="ID", help="crawl only this source (repeatable)")
    p.add_argument("--sources-dir", type=Path, default=None, help="folder of source YAML files")
    p.add_argument("--log-level", default="WARNING", help="Scrapy log level (default WARNING)")
    p.add_argument("--dry-run", metavar="FILE", help="write raw records to FILE (JSON lines), not to Kafka")
    p.add_argument("--limit", type=int, default=0, help="stop each source after this many records")
    p.add_argument("--schedule", action="store_true", help="keep running: crawl each source on its schedule")
    p.add_argument("--shard", metavar="K/N", help="with --schedule: crawl only this shard of the sources")
    p.add_argument(
        "--reload-seconds", type=float, default=10.0, help="with --schedule: re-read sources this often"
    )
    p.add_argument(
        "--max-parallel", type=int, default=64, help="with --schedule: source checks running at once"
    )
    p.set_defaults(handler="crawlers.run:crawl")


def _sources(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sources", help="list, validate, add, preview and check crawl sources")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("list", help="the source files and what they crawl")
    a.add_argument("--json", action="store_true", help="print a JSON list")
    a.set_defaults(handler="crawlers.sources_cli:list_command")
    a = actions.add_parser("validate", help="check source files (all shipped ones by default)")
    a.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to check")
    a.set_defaults(handler="crawlers.sources_cli:validate_command")
    a = actions.add_parser("add", help="fetch a site once, discover feeds/sitemaps/listings, write a spec")
    a.add_argument("url", help="the site's news or notices page")
    a.add_argument("--id", help="id of the new source (default: from the host name)")
    a.add_argument("--out", type=Path, help="folder for the new spec (default: sources/_review/)")
    a.set_defaults(handler="crawlers.discover:add_command")
    a = actions.add_parser("preview", help="dry run: crawl a few items and print them with their entities")
    a.add_argument("source_id", metavar="ID")
    a.add_argument("--limit", type=int, default=3, help="records to crawl (default 3)")
    a.set_defaults(handler="launcher.preview:preview_command")
    a = actions.add_parser("health", help="per source: last success, items, failures, went silent")
    a.add_argument("--days", type=int, default=14, help="window for recent items (default 14)")
    a.add_argument("--json", action="store_true", help="print JSON")
    a.set_defaults(handler="crawlers.health_report:health_command")
    a = actions.add_parser("check", help="report which specs still extract items from the live sites")
    a.add_argument("--live", action="store_true", required=True, help="fetch the real sites (needs network)")
    a.add_argument("--source", action="append", metavar="ID", help="only these sources")
    a.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=300.0,
        metavar="SECONDS",
        help="stop a source's check after this long; it fails unless it extracted an item (default 300)",
    )
    a.set_defaults(handler="launcher.preview:check_live_command")


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return seconds


def _process(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("process", help="enrich raw records into enriched records (runs until stopped)")
    p.add_argument("--until-idle", action="store_true", help="exit once the raw topic is read to its end")
    p.set_defaults(handler="processors.run:process")


def _index(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="index enriched records into the search engine (runs until stopped)")
    p.add_argument(
        "--until-idle", action="store_true", help="exit once the enriched topic is read to its end"
    )
    p.add_argument("--into", metavar="INDEX", help="write into this index version instead of the alias")
    p.set_defaults(handler="indexer.run:index")
    p = sub.add_parser("indices", help="list index versions, create the next one, or swap the alias")
    p.add_argument("action", choices=["list", "next", "swap"])
    p.add_argument("index", nargs="?", help="with swap: the index the alias should point at")
    p.set_defaults(handler="indexer.indices_cli:indices_command")
    p = sub.add_parser("reprocess", help="re-extract the whole raw topic into a new index version, then swap")
    p.set_defaults(handler="launcher.reprocess:reprocess_command")


def _search(sub: argparse._SubParsersAction) -> None:
    from indexer.request import add_request_arguments

    p = sub.add_parser("search", help="search indexed announcements, with filters and facets")
    add_request_arguments(p)
    p.add_argument("--json", action="store_true", help='print {"total", "hits", "facets"} as JSON')
    p.set_defaults(handler="indexer.search:search_command")


def _demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="stack up, crawl the bundled demo site, process, index, search")
    p.set_defaults(handler="launcher.demo:demo_command")
    p = sub.add_parser("demo-site", help="serve the bundled demo site on 127.0.0.1 until interrupted")
    p.set_defaults(handler="launcher.commands:demo_site_command")


def _extract(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="run the processors' entity extraction on text files, offline")
    p.add_argument("files", nargs="+", metavar="FILE", help="UTF-8 text files (first line: the title)")
    p.add_argument("--lang", choices=["auto", "en", "zh"], default="auto", help="language (default: detect)")
    p.add_argument(
        "--format", choices=["jsonl"], default="jsonl", help="output format (one JSON line per file)"
    )
    p.add_argument(
        "--raw", action="store_true", help="FILEs hold raw records as JSON lines (crawl --dry-run)"
    )
    p.add_argument("--pretty", action="store_true", help="print readable blocks instead of JSON lines")
    p.add_argument("--enriched-out", metavar="FILE", help="with --raw: also write the enriched records here")
    p.set_defaults(handler="processors.extract_cli:extract_command")
    p = sub.add_parser("eval", help="precision, recall and F1 of the extraction on the annotated dev set")
    p.add_argument("--devset", type=Path, default=None, help="folder with *.txt and gold.jsonl")
    p.add_argument("--check", action="store_true", help="exit 1 when a field misses its target")
    p.add_argument(
        "--ids", metavar="GLOB", default="*", help="score only documents whose id matches, e.g. '0[5-9]*'"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="list every miss and spurious item")
    p.set_defaults(handler="processors.evaluate:eval_command")
    p = sub.add_parser("similar", help="repost clusters of text files, as the indexer assigns them, offline")
    p.add_argument("files", nargs="*", metavar="FILE", help="UTF-8 text files (first line: the title)")
    p.add_argument("--lang", choices=["auto", "en", "zh"], default="auto", help="language (default: detect)")
    p.add_argument(
        "--eval",
        nargs="?",
        const="",
        metavar="DIR",
        help="precision and recall on labelled pairs (default processors/eval/pairs)",
    )
    p.set_defaults(handler="indexer.clusters.cli:similar_command")
    p = sub.add_parser(
        "eval-search", help="nDCG@10 of the text search on judged queries, before and after the glossary"
    )
    p.add_argument(
        "--judgments", metavar="FILE", help="judged queries (default indexer/data/search_judgments.yaml)"
    )
    p.add_argument("--per-query", dest="verbose_queries", action="store_true", help="also print each query")
    p.set_defaults(handler="launcher.search_eval:search_eval_command")


def _alerts(sub: argparse._SubParsersAction) -> None:
    from indexer.request import add_request_arguments

    p = sub.add_parser("alerts", help="subscriptions: alerts on facts, delivered as digests")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("add", help="add (or replace) an alert")
    a.add_argument("name")
    add_request_arguments(a, alert=True)
    a.add_argument("--every", default="daily", help="instant, daily, weekly or a cron expression")
    a.add_argument("--at", default="08:00", help="time of day for daily and weekly digests (HH:MM)")
    a.add_argument("--timezone", default="Asia/Shanghai")
    a.add_argument("--email", action="append", metavar="ADDR")
    a.add_argument("--webhook", metavar="URL", help="POST signed JSON here (Standard Webhooks headers)")
    a.add_argument("--wecom", metavar="URL", help="a WeCom (企业微信) group robot's webhook address")
    a.add_argument("--dingtalk", metavar="URL", help="a DingTalk (钉钉) custom robot's webhook address")
    a.add_argument("--dingtalk-secret", metavar="S", help="the DingTalk robot's signing secret (SEC…)")
    a.add_argument("--feishu", metavar="URL", help="a Feishu/Lark (飞书) custom bot's webhook address")
    a.add_argument("--feishu-secret", metavar="S", help="the Feishu bot's signing secret")
    a.add_argument(
        "--backfill", type=int, metavar="DAYS", help="match documents of the last DAYS days (default 7)"
    )
    a.add_argument(
        "--remind-days",
        type=int,
        metavar="N",
        help="also send a reminder N days before each matched item's application deadline",
    )
    a.add_argument(
        "--on-change",
        action="store_true",
        help="when a delivered document is amended, list it again under 'Amended' with what changed",
    )
    a.set_defaults(handler="indexer.alerts.cli:add_command")
    a = actions.add_parser("match", help="which alerts the enriched records in FILE would fire (read-only)")
    a.add_argument("file", metavar="FILE", help="enriched records as JSON lines (extract --enriched-out)")
    a.set_defaults(handler="indexer.alerts.cli:match_command")
    a = actions.add_parser("list", help="your alerts")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler="indexer.alerts.cli:list_command")
    a = actions.add_parser("remove", help="remove an alert")
    a.add_argument("name")
    a.set_defaults(handler="indexer.alerts.cli:remove_command")
    for verb, help_text in (
        ("pause", "pause an alert: it matches and sends nothing"),
        ("resume", "resume it"),
    ):
        a = actions.add_parser(verb, help=help_text)
        a.add_argument("name")
        a.set_defaults(handler="indexer.alerts.cli:pause_command")
    for action in (actions.choices[verb] for verb in ("add", "list", "remove", "pause", "resume")):
        action.add_argument("--user", default="local", help="owner of the alert (default: local)")
    p = sub.add_parser("digest", help="show an alert's next digest")
    p.add_argument("name")
    p.add_argument("--preview", action="store_true", required=True, help="print it; send and mark nothing")
    p.add_argument("--user", default="local")
    p.set_defaults(handler="indexer.alerts.cli:digest_command")
    p = sub.add_parser("scheduler", help="send digests on their schedules (runs until stopped)")
    p.set_defaults(handler="indexer.alerts.cli:scheduler_command")


def _serve(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="the HTTP API and web page (default http://127.0.0.1:8000)")
    p.add_argument("--host", help="address to listen on (default POLICYRADAR_API_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default POLICYRADAR_API_PORT, 8000)")
    p.set_defaults(handler="launcher.serve:serve_command")
    p = sub.add_parser("run", help="every stage, the digest scheduler and the web page on this machine")
    p.set_defaults(handler="launcher.run_all:run_command")


def _status(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="services, lag, dead letters, flagged sources, digests and index")
    p.add_argument("--json", action="store_true", help="print the same data as one JSON object")
    p.set_defaults(handler="launcher.status:status_command")


BUILDERS = (_stack, _sources, _crawl, _process, _index, _search, _alerts, _serve, _extract, _demo, _status)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policyradar",
        description="Watch government and company sites for AI-policy announcements; search them.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for build in BUILDERS:
        build(sub)
    return parser


def resolve(dotted: str) -> Handler:
    module_name, _, attr = dotted.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        log_format = get_settings().log_format
    except PolicyRadarError as exc:
        print(f"policyradar {args.command}: error: {exc}", file=sys.stderr)
        return 2
    configure_logging(log_format, verbose=args.verbose)
    set_stage(args.command)
    try:
        return int(resolve(args.handler)(args) or 0)
    except PolicyRadarError as exc:
        print(f"policyradar {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"policyradar {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
