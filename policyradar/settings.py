"""One frozen settings object per process, read from ``POLICYRADAR_*`` environment variables.

An optional dotenv-style file (``POLICYRADAR_SETTINGS_FILE``, default ``policyradar.env`` in the
working directory) is read first; environment variables win over it. Every setting has a default
that works with the local stack started by ``policyradar stack up``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from policyradar.api_tokens import parse_api_tokens
from policyradar.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything a Policy Radar process can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYRADAR_",
        env_file=os.environ.get("POLICYRADAR_SETTINGS_FILE", "policyradar.env"),
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_raw: str = "policyradar.raw.v1"
    topic_enriched: str = "policyradar.enriched.v1"
    topic_dlq: str = "policyradar.dlq.v1"
    topic_partitions: int = 3
    # Copies of each topic partition on the brokers, and how many must have a write before it is
    # acknowledged (None: the broker's default). One broker locally; 3 and 2 on a cluster.
    topic_replication_factor: int = Field(default=1, ge=1)
    topic_min_insync_replicas: int | None = Field(default=None, ge=1)
    group_processor: str = "policyradar-processor"
    group_indexer: str = "policyradar-indexer"
    batch_size: int = 64
    # The indexer's batches (its max poll records): alert matching costs about the same per stored
    # query whatever the batch, so larger batches make it cheaper per record when the topic has a
    # backlog; when it has none, batches stay as small as what arrived.
    index_batch_size: int = Field(default=256, ge=1)
    consumer_session_timeout_ms: int = 10_000
    poll_timeout_ms: int = 1000
    # The largest message a producer sends (Kafka's max.request.size; the broker's default limit).
    kafka_max_message_bytes: int = 1_048_576
    # Longer texts are cut to this many characters (``text_truncated`` marks the record), so that
    # no record outgrows a producer limit or the NLP pipeline's memory.
    max_text_chars: int = 200_000

    # Processing
    nlp_profile: Literal["default", "rules", "full"] = "default"
    # A YAML file of extra company aliases (``Canonical: [alias, ...]``), read before the shipped table.
    company_aliases: Path | None = None
    # CNY per unit of a currency, over the built-in rates, e.g. ``{"USD": 7.2}`` (JSON).
    fx_rates: dict[str, float] = {}

    # Search engine
    engine: Literal["opensearch", "elasticsearch"] = "opensearch"
    search_url: str = "http://127.0.0.1:9200"
    search_username: str | None = None
    search_password: SecretStr | None = None
    index_alias: str = "announcements"
    # Primary shards of a new index version (fixed once created; reprocess makes a new version) and
    # replicas of every index (applied to existing indices at start too).
    index_shards: int = Field(default=1, ge=1)
    index_replicas: int = Field(default=0, ge=0)
    index_refresh: Literal["false", "true", "wait_for"] = "wait_for"
    bulk_max_retries: int = 5

    # Crawling
    sources_dir: Path = PROJECT_ROOT / "sources"
    # Hosts (``host`` or ``host:port``) allowed although they are private or loopback: by default
    # only the bundled demo site. JSON list, e.g. ``["127.0.0.1:8765", "intranet.example"]``.
    allow_private_hosts: tuple[str, ...] = ("127.0.0.1:8765",)
    # A 429/503 answer's Retry-After is honoured up to this many seconds; a longer wait drops the
    # request (the page is tried again at the source's next run).
    max_retry_after: float = 600.0
    topic_crawl_state: str = "policyradar.crawlstate.v1"
    topic_crawl_runs: str = "policyradar.crawlruns.v1"
    topic_source_health: str = "policyradar.sourcehealth.v1"
    demo_site_port: int = 8765

    # Alerts and digests
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "Policy Radar <alerts@policyradar.local>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    digest_tick_seconds: float = 2.0
    scheduler_lease_seconds: float = 30.0
    backfill_days: int = 7
    # Hosts (``host`` or ``host:port``) accepted as WeCom/DingTalk/Feishu robot addresses besides the
    # platforms' own (qyapi.weixin.qq.com, oapi.dingtalk.com, open.feishu.cn, open.larksuite.com):
    # for local test receivers. They still pass the URL checks (POLICYRADAR_ALLOW_PRIVATE_HOSTS).
    robot_extra_hosts: tuple[str, ...] = ()
    # Operator notices (a source turned broken or recovered): an address and/or a webhook URL.
    operator_email: str | None = None
    operator_webhook: str | None = None
    operator_webhook_secret: SecretStr | None = None  # ``whsec_…``: signs operator webhooks

    # HTTP API and web page
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    # Metrics and health (/metrics, /healthz, /readyz) of the long-running stages. Unset, each stage
    # uses its own port (STAGE_METRICS_PORTS) so several run side by side on one machine; a negative
    # port turns the endpoint off. A port another copy already holds moves to a free one (logged).
    metrics_host: str = "127.0.0.1"
    # "text" for people, "json" for one JSON object per line (stage, record and source context).
    log_format: Literal["text", "json"] = "text"
    metrics_port: int | None = None
    # Lag (records not yet read, summed over the consumer's partitions) above which /readyz says no.
    ready_max_lag: int = 10_000
    # JSON object of API token -> holder: a user name, or {"user": ..., "role": "user" | "operator"}
    # (policyradar/api_tokens.py). Writes need a token, each user sees only their alerts; operators
    # may also add sources from the web page.
    api_tokens: SecretStr = SecretStr("{}")

    # Local stack
    stack_dir: Path = PROJECT_ROOT / ".stack"
    kafka_heap: str = "1g"
    # OpenSearch heap, from bench/bench_search.py (README "Sizing"): one search with text, two filters
    # and every facet on 50,000 bench documents held 287 MB of request memory (the facets' per-value
    # cluster counts) on top of 600-900 MB already in use on the shared engine, and a 1 GB heap's
    # parent breaker (95 %) refused searches with 429; 2 GB leaves room for that and the index.
    opensearch_heap: str = "2g"
    opensearch_http_port: int = 9200

    @field_validator("api_tokens")
    @classmethod
    def _readable_api_tokens(cls, tokens: SecretStr) -> SecretStr:
        parse_api_tokens(tokens.get_secret_value())  # a bad holder or role stops the process at start
        return tokens

    @field_validator("fx_rates")
    @classmethod
    def _upper_currency_codes(cls, rates: dict[str, float]) -> dict[str, float]:
        return {code.upper(): rate for code, rate in rates.items()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once; a bad value is a ConfigError naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        where = ".".join(str(part) for part in first["loc"][1:])
        variable = f"POLICYRADAR_{field.upper()}" + (f" ({where})" if where else "")
        raise ConfigError(f"invalid setting {variable}: {first['msg']}") from exc
    except SettingsError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc


STAGE_METRICS_PORTS = {"crawl": 9410, "process": 9411, "index": 9412, "scheduler": 9413}


def metrics_port(settings: Settings, stage: str) -> int:
    """The port ``stage`` serves its metrics on: the setting when given, else the stage's own."""
    return settings.metrics_port if settings.metrics_port is not None else STAGE_METRICS_PORTS[stage]


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment a child stage should start with: this process's own, with ``overrides`` (full
    variable names, e.g. ``POLICYRADAR_TOPIC_ENRICHED``) replacing what it had."""
    return {**os.environ, **overrides}
