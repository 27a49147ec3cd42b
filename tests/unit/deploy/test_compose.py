"""deploy/compose: the compose file, its Dockerfile, .env.example and prometheus.yml agree with the code.

No Docker engine is needed (nor available where these tests run): the files are parsed and checked
against the settings object, the ``policyradar`` argument parser and the metrics ports, so a renamed
setting or subcommand, a wrong host:port, a healthcheck on the wrong port, a scrape target that does
not exist or an unguarded published port fails here instead of in a user's ``docker compose up``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tomllib
import typing
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import SecretStr

from crawlers.sources import load_sources
from launcher.cli import build_parser
from policyradar.metrics import HealthServer
from policyradar.settings import STAGE_METRICS_PORTS, Settings

REPO_ROOT = Path(__file__).resolve().parents[3]
COMPOSE_DIR = REPO_ROOT / "deploy" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
DOCKERFILE = COMPOSE_DIR / "Dockerfile"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
PROMETHEUS_FILE = COMPOSE_DIR / "prometheus.yml"
README = COMPOSE_DIR / "README.md"

PREFIX = Settings.model_config["env_prefix"]
ENV_NAME = re.compile(re.escape(PREFIX) + r"[A-Za-z0-9_]+")
STAGES = {"crawler": "crawl", "processor": "process", "indexer": "index"}  # the Kafka stages
SERVING = {"scheduler": "scheduler", "web": "serve"}  # read and write the search engine only
ALL_COMMANDS = {**STAGES, **SERVING}
METRICS_STAGES = {"crawler": "crawl", "processor": "process", "indexer": "index", "scheduler": "scheduler"}
LOOPBACK = "127.0.0.1"
MAIL_CATCHER_IMAGE = re.compile(r"axllent/mailpit:v\d+\.\d+\.\d+")
# What a user's deploy/compose/.env provides when Compose fills the ${...} references.
USER_ENV = {"POLICYRADAR_API_TOKENS": json.dumps({"test-token": "tester"})}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")

Services = dict[str, dict[str, typing.Any]]


# --- reading the files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, typing.Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a YAML mapping"
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, typing.Any]) -> Services:
    found = compose.get("services")
    assert isinstance(found, dict) and found, "docker-compose.yml has no services"
    return found


def valid_env_names() -> set[str]:
    """Every environment variable the settings object reads, derived from its fields."""
    return {(PREFIX + name).upper() for name in Settings.model_fields}


def environment(service: dict[str, typing.Any]) -> dict[str, str]:
    """A service's ``environment``, in either the mapping or the ``KEY=VALUE`` list form."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        env = {pair[0]: pair[1] if len(pair) == 2 else None for pair in pairs}
    assert isinstance(env, dict), f"environment must be a mapping or a list, got {env!r}"
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


class MissingVariable(Exception):
    """A required ``${NAME:?message}`` found no value: Compose stops with the message."""


def interpolate(value: str, given: dict[str, str]) -> str:
    """Fill ``${NAME}``, ``${NAME:-default}``, ``${NAME-default}``, ``${NAME:?message}`` and
    ``${NAME?message}`` the way Compose does, from ``given`` (the shell and .env)."""

    def fill(match: re.Match[str]) -> str:
        name, operator, argument = match[1], match[2] or "", match[3] or ""
        present = name in given and (given[name] != "" or not operator.startswith(":"))
        if present:
            return given[name]
        if operator.endswith("?"):
            raise MissingVariable(f"{name}: {argument}")
        assert operator, f"${{{name}}} without a default would silently become empty"
        return argument

    return INTERPOLATION.sub(fill, value)


def resolved_environment(
    service: dict[str, typing.Any], given: dict[str, str] | None = None
) -> dict[str, str]:
    """A service's environment as its container gets it, with a user's .env giving ``given``."""
    given = USER_ENV if given is None else given
    return {key: interpolate(value, given) for key, value in environment(service).items()}


def policyradar_services(services: Services) -> list[str]:
    """The services built from this checkout (the image whose entrypoint is ``policyradar``)."""
    return [name for name, service in services.items() if "build" in service]


def dotenv_value(value: str) -> str:
    """A dotenv value as Compose reads it: surrounding quotes removed, an inline comment dropped."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value.split(" #", 1)[0].strip()


def env_example_lines() -> tuple[dict[str, str], dict[str, str]]:
    """(active assignments, assignments shown commented out as ``# NAME=value``)."""
    active: dict[str, str] = {}
    commented: dict[str, str] = {}
    for raw in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        shown = re.fullmatch(r"#\s*(" + re.escape(PREFIX) + r"[A-Z0-9_]+)=(.*)", line)
        if shown:
            commented[shown[1]] = dotenv_value(shown[2])
        if not line or line.startswith("#"):
            continue
        assert "=" in line, f".env.example: not a KEY=VALUE line: {raw!r}"
        key, value = line.split("=", 1)
        active[key.strip()] = dotenv_value(value)
    return active, commented


def env_example() -> tuple[dict[str, str], set[str]]:
    """(active assignments, every POLICYRADAR_ name mentioned, commented out or not)."""
    active, _ = env_example_lines()
    return active, set(ENV_NAME.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def secret_fields() -> set[str]:
    """Settings fields typed SecretStr (alone or optional): their values must never ship."""
    return {
        name
        for name, field in Settings.model_fields.items()
        if field.annotation is SecretStr or SecretStr in typing.get_args(field.annotation)
    }


def healthcheck_code(service: dict[str, typing.Any]) -> str:
    """The Python one-liner of a ``["CMD", "python", "-c", code]`` healthcheck."""
    test = (service.get("healthcheck") or {}).get("test")
    assert isinstance(test, list) and test[:3] == ["CMD", "python", "-c"] and len(test) == 4, (
        f"expected [CMD, python, -c, code], got {test!r}"
    )
    return str(test[3])


def probed_url(code: str) -> tuple[int, str]:
    """(port, path) of the single loopback URL a healthcheck one-liner opens."""
    urls = re.findall(r"'http://127\.0\.0\.1:(\d+)(/[^']*)'", code)
    assert len(urls) == 1, f"the healthcheck must open exactly one http://127.0.0.1 URL: {code!r}"
    return int(urls[0][0]), urls[0][1]


def network_host(services: Services, name: str) -> str:
    """The host name other containers reach ``name`` by: the service whose network it shares."""
    mode = str(services[name].get("network_mode", ""))
    return mode.removeprefix("service:") if mode.startswith("service:") else name


def scrape_targets() -> dict[str, list[tuple[str, int, str]]]:
    """prometheus.yml: job name -> [(host, port, metrics path)]."""
    config = yaml.safe_load(PROMETHEUS_FILE.read_text(encoding="utf-8"))
    jobs: dict[str, list[tuple[str, int, str]]] = {}
    for job in config["scrape_configs"]:
        path = job.get("metrics_path", "/metrics")
        for group in job["static_configs"]:
            for target in group["targets"]:
                host, port = host_port(target)
                jobs.setdefault(job["job_name"], []).append((host, port, path))
    return jobs


def dockerfile_lines() -> list[str]:
    """Dockerfile instructions, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    return lines


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in dockerfile_lines():
        if line.upper().startswith("ENV "):
            for token in shlex.split(line[4:]):
                key, _, value = token.partition("=")
                env[key] = value
    return env


def command_argv(service: dict[str, typing.Any]) -> list[str]:
    command = service.get("command")
    assert command, "a stage needs a command (the policyradar subcommand)"
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def all_strings(node: typing.Any) -> typing.Iterator[str]:
    """Every key and scalar in a parsed YAML tree, as text."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from all_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from all_strings(item)
    elif node is not None:
        yield str(node)


def listeners(value: str) -> dict[str, tuple[str, int]]:
    """``NAME://host:port,...`` -> {NAME: (host, port)}; an empty host means all interfaces."""
    parsed: dict[str, tuple[str, int]] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        match = re.fullmatch(r"([A-Za-z0-9_]+)://([^:]*):(\d+)", item)
        assert match, f"cannot parse listener {item!r}"
        parsed[match[1]] = (match[2], int(match[3]))
    return parsed


def published(service: dict[str, typing.Any]) -> list[tuple[str | None, int, int]]:
    """(host ip, host port, container port) for each entry of ``ports``."""
    result: list[tuple[str | None, int, int]] = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            result.append((entry.get("host_ip"), int(entry["published"]), int(entry["target"])))
            continue
        spec = str(entry).split("/", 1)[0]
        parts = spec.rsplit(":", 2)
        if len(parts) == 3:
            result.append((parts[0], int(parts[1]), int(parts[2])))
        elif len(parts) == 2:
            result.append((None, int(parts[0]), int(parts[1])))
        else:
            result.append((None, int(parts[0]), int(parts[0])))
    return result


def host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    assert host and port.isdigit(), f"not a host:port address: {address!r}"
    return host, int(port)


# --- 1. the file parses and has the services ----------------------------------------------------


def test_compose_file_parses_and_has_every_service(services: Services) -> None:
    missing = {"kafka", "elasticsearch", *ALL_COMMANDS} - set(services)
    assert not missing, f"services missing from docker-compose.yml: {sorted(missing)}"
    for name, service in services.items():
        assert isinstance(service, dict), f"service {name!r} is not a mapping"
        assert "image" in service or "build" in service, f"service {name!r} has neither image nor build"


def test_images_are_the_pinned_official_ones(services: Services) -> None:
    assert re.fullmatch(r"apache/kafka:4\.1\.\d+", services["kafka"]["image"])
    assert re.fullmatch(
        r"docker\.elastic\.co/elasticsearch/elasticsearch:8\.\d+\.\d+", services["elasticsearch"]["image"]
    )


# --- 2. every POLICYRADAR_ variable is a real setting ---------------------------------------------


def test_every_policyradar_variable_is_a_settings_field(compose: dict[str, typing.Any]) -> None:
    valid = valid_env_names()
    assert "POLICYRADAR_KAFKA_BOOTSTRAP" in valid  # the derivation itself is sound
    _, example_names = env_example()
    sources = {
        "docker-compose.yml (parsed)": {n for s in all_strings(compose) for n in ENV_NAME.findall(s)},
        "docker-compose.yml (text, comments too)": set(ENV_NAME.findall(COMPOSE_FILE.read_text("utf-8"))),
        ".env.example": example_names,
        "Dockerfile": set(ENV_NAME.findall(DOCKERFILE.read_text("utf-8"))),
    }
    for where, names in sources.items():
        assert names, f"{where}: no {PREFIX} variables found at all"
        unknown = sorted(names - valid)
        assert not unknown, f"{where}: not settings fields: {unknown} (valid: {sorted(valid)})"


def test_every_stage_environment_is_accepted_by_the_settings(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Load the settings exactly as a container would: from its environment variables."""
    image_env = {k: v for k, v in dockerfile_env().items() if k.startswith(PREFIX)}
    names = policyradar_services(services)
    assert set(ALL_COMMANDS) <= set(names)
    for name in names:
        env = {**image_env, **resolved_environment(services[name])}
        for key in [k for k in os.environ if k.upper().startswith(PREFIX)]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = Settings(_env_file=None)
        for key, value in env.items():
            if key.startswith(PREFIX):
                loaded = getattr(settings, key[len(PREFIX) :].lower())
                text = loaded.get_secret_value() if isinstance(loaded, SecretStr) else str(loaded)
                assert text == value, f"{name}: {key}={value!r} did not load"


def test_interpolations_have_a_default_or_stop_compose_with_a_message(compose: dict[str, typing.Any]) -> None:
    found = [m for s in all_strings(compose) for m in INTERPOLATION.finditer(s)]
    assert found, "docker-compose.yml takes nothing from .env"
    for match in found:
        assert match[1].startswith(PREFIX), f"${{{match[1]}}}: only settings come from .env"
        assert match[2] in (":-", ":?"), f"${{{match[1]}}}: use :-default or :?message, not {match[2]!r}"
        assert match[3].strip(), f"${{{match[1]}}}: the default or message is empty"


def test_env_example_agrees_with_the_compose_file(services: Services) -> None:
    active, _ = env_example()
    assert active, ".env.example assigns nothing"
    Settings(_env_file=None, **{k[len(PREFIX) :].lower(): v for k, v in active.items()})
    # With the example copied unchanged, Compose fills the ${...} defaults with the example's values.
    as_copied = {k: v for k, v in active.items() if v}
    envs = [
        resolved_environment(services[name], as_copied | USER_ENV) for name in policyradar_services(services)
    ]
    stage_envs = [env for env in envs if env]
    shared = {k: v for k, v in stage_envs[0].items() if all(env.get(k) == v for env in stage_envs)}
    passed = {**shared, **dockerfile_env()}
    assert "POLICYRADAR_SMTP_HOST" in passed and "POLICYRADAR_METRICS_HOST" in passed
    for key in sorted(set(passed) & valid_env_names()):
        assert active.get(key) == passed[key], f".env.example: {key} should be {passed[key]!r}"
    for key, value in active.items():
        defaults = {env[key] for env in stage_envs if key in env}
        assert not defaults or defaults == {value} or not value, (
            f".env.example: {key}={value!r}, but docker-compose.yml gives {sorted(defaults)}"
        )


# --- 3. the stages reach Kafka on an advertised listener --------------------------------------------


def test_kafka_bootstrap_names_an_advertised_listener_of_the_kafka_service(
    services: Services,
) -> None:
    kafka_env = environment(services["kafka"])
    advertised = listeners(kafka_env["KAFKA_ADVERTISED_LISTENERS"])
    bound = listeners(kafka_env["KAFKA_LISTENERS"])
    protocol_map = kafka_env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    protocols = dict(item.split(":", 1) for item in protocol_map.split(","))
    controller = set(kafka_env["KAFKA_CONTROLLER_LISTENER_NAMES"].split(","))
    kafka_names = {"kafka", services["kafka"].get("hostname", "kafka")}
    for name, (_host, port) in advertised.items():
        assert name in bound and bound[name][1] == port, f"advertised {name} is not bound on port {port}"
        assert name in protocols, f"listener {name} has no security protocol"
        assert name not in controller, "the controller listener must not be advertised"
    assert kafka_env["KAFKA_INTER_BROKER_LISTENER_NAME"] in bound
    for name in STAGES:
        bootstrap = environment(services[name])["POLICYRADAR_KAFKA_BOOTSTRAP"]
        for address in bootstrap.split(","):
            host, port = host_port(address.strip())
            assert host in kafka_names, f"{name}: bootstrap host {host!r} is not the kafka service"
            assert (host, port) in advertised.values(), (
                f"{name}: {host}:{port} is not an advertised listener ({sorted(advertised.values())})"
            )


def test_kafka_host_listener_is_where_the_cli_looks_by_default(
    services: Services,
) -> None:
    kafka = services["kafka"]
    advertised = listeners(environment(kafka)["KAFKA_ADVERTISED_LISTENERS"])
    bound = listeners(environment(kafka)["KAFKA_LISTENERS"])
    default_host, default_port = host_port(Settings.model_fields["kafka_bootstrap"].default)
    assert (default_host, default_port) in advertised.values(), "no listener for the host-side CLI"
    name = next(n for n, addr in advertised.items() if addr == (default_host, default_port))
    assert (LOOPBACK, default_port, bound[name][1]) in published(kafka), (
        f"listener {name} must be published on {LOOPBACK}:{default_port}"
    )


def test_kafka_is_a_single_kraft_node_with_replication_one(services: Services) -> None:
    env = environment(services["kafka"])
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert len(voters) == 1 and voters[0].split("@")[0] == env["KAFKA_NODE_ID"]
    controller_port = host_port(voters[0].split("@")[1])[1]
    assert listeners(env["KAFKA_LISTENERS"])[env["KAFKA_CONTROLLER_LISTENER_NAMES"]][1] == controller_port
    replication = {k: v for k, v in env.items() if k.endswith(("REPLICATION_FACTOR", "_MIN_ISR"))}
    assert "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR" in replication
    assert "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR" in replication
    assert set(replication.values()) == {"1"}, replication


# --- 4. the indexer reaches Elasticsearch with an engine the settings accept ------------------------


def test_search_url_names_the_elasticsearch_service_and_port(services: Services) -> None:
    es = services["elasticsearch"]
    container_ports = {target for _, _, target in published(es)} | {int(p) for p in es.get("expose", [])}
    for name in ALL_COMMANDS:
        url = urlsplit(environment(services[name])["POLICYRADAR_SEARCH_URL"])
        assert url.scheme == "http", f"{name}: security is off, so the node speaks plain http"
        es_names = {"elasticsearch", es.get("hostname", "elasticsearch")}
        assert url.hostname in es_names, f"{name}: {url.hostname!r} is not the elasticsearch service"
        assert url.port == 9200, f"{name}: the search URL must name port 9200 explicitly"
        assert url.port in container_ports, f"elasticsearch does not publish or expose {url.port}"


def test_engine_is_accepted_by_the_settings_and_matches_the_node(services: Services) -> None:
    allowed = typing.get_args(Settings.model_fields["engine"].annotation)
    assert allowed, "settings.engine is no longer a Literal; update this test"
    for name in ALL_COMMANDS:
        engine = environment(services[name])["POLICYRADAR_ENGINE"]
        assert engine in allowed, f"{name}: POLICYRADAR_ENGINE={engine!r}, allowed {allowed}"
        assert Settings(_env_file=None, engine=engine).engine == engine
        assert engine in services["elasticsearch"]["image"], "the engine must match the search service"


def test_elasticsearch_is_a_local_single_node(services: Services) -> None:
    env = environment(services["elasticsearch"])
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "false"
    assert "-Xms1g" in env["ES_JAVA_OPTS"].split() and "-Xmx1g" in env["ES_JAVA_OPTS"].split()
    default = urlsplit(Settings.model_fields["search_url"].default)
    assert (LOOPBACK, default.port, 9200) in published(services["elasticsearch"]), (
        "the node must be published where the host-side CLI looks by default"
    )
    readme = README.read_text(encoding="utf-8")
    assert "xpack.security.enabled=false" in readme and "local use only" in readme.lower()


# --- 5. the stage commands are real policyradar subcommands ---------------------------------------


def test_stage_commands_parse_as_policyradar_subcommands(services: Services) -> None:
    parser = build_parser()
    for name, subcommand in ALL_COMMANDS.items():
        argv = command_argv(services[name])
        assert "entrypoint" not in services[name], f"{name}: the image's entrypoint must stay policyradar"
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{name}: `policyradar {shlex.join(argv)}` is not a valid command line")
        assert args.command == subcommand, f"{name} runs {args.command!r}, expected {subcommand!r}"


def test_the_image_carries_the_pages_chart_library_from_the_npm_lock() -> None:
    lines = final_stage_lines()
    copies = [shlex.split(line[5:]) for line in lines if line.upper().startswith("COPY --FROM=")]
    assert [
        "--from=web-assets",
        "/web/node_modules/chart.js/dist/chart.umd.min.js",
        "./indexer/web/vendor/",
    ] in copies
    stage = next(
        line for line in dockerfile_lines() if line.upper().startswith("FROM ") and " AS web-assets" in line
    )
    assert stage.split()[1].startswith("node:")
    assert any("npm ci" in line for line in dockerfile_lines())
    assert any("--require-hashes -r requirements.lock" in line for line in lines), (
        "dependencies from the lock"
    )


def test_image_entrypoint_is_the_policyradar_script() -> None:
    entrypoints = [line for line in dockerfile_lines() if line.upper().startswith("ENTRYPOINT ")]
    assert entrypoints, "the Dockerfile has no ENTRYPOINT"
    assert json.loads(entrypoints[-1].split(None, 1)[1]) == ["policyradar"]
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert scripts.get("policyradar") == "launcher.cli:main"


# --- 6. start order: depends_on waits for healthchecks -------------------------------------------


def test_depends_on_waits_for_healthy_services(services: Services) -> None:
    for name, service in services.items():
        depends = service.get("depends_on")
        if depends is None:
            continue
        assert isinstance(depends, dict), f"{name}: use the long depends_on form with a condition"
        for target, spec in depends.items():
            assert target in services, f"{name} depends on unknown service {target!r}"
            condition = (spec or {}).get("condition")
            assert condition == "service_healthy", f"{name} -> {target}: {condition!r}, not service_healthy"
            check = services[target].get("healthcheck") or {}
            test = check.get("test")
            assert test and not check.get("disable"), f"{target} has no healthcheck but {name} waits for it"
            assert test not in (["NONE"], "NONE"), f"{target}: healthcheck is switched off"
    for name in STAGES:
        assert "kafka" in (services[name].get("depends_on") or {}), f"{name} must wait for kafka"
    assert "elasticsearch" in services["indexer"]["depends_on"], "the indexer must wait for elasticsearch"
    for name in SERVING:
        assert "elasticsearch" in (services[name].get("depends_on") or {}), f"{name} must wait for it"


def test_healthchecks_probe_the_right_things(services: Services) -> None:
    kafka_check = " ".join(map(str, services["kafka"]["healthcheck"]["test"]))
    assert "/opt/kafka/bin/kafka-" in kafka_check
    match = re.search(r"--bootstrap-server\s+([^\s]+)", kafka_check)
    assert match, "the kafka healthcheck must name a bootstrap server"
    bound_ports = {port for _, port in listeners(environment(services["kafka"])["KAFKA_LISTENERS"]).values()}
    assert host_port(match[1])[1] in bound_ports
    es_check = " ".join(map(str, services["elasticsearch"]["healthcheck"]["test"]))
    assert "curl" in es_check and ":9200/_cluster/health" in es_check and "wait_for_status=yellow" in es_check


def test_every_service_has_a_healthcheck_and_restarts_unless_stopped(services: Services) -> None:
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", f"{name}: restart is {service.get('restart')!r}"
        check = service.get("healthcheck") or {}
        test = check.get("test")
        assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL"), f"{name}: no healthcheck test"
        assert not check.get("disable"), f"{name}: healthcheck disabled"
        for key in ("interval", "timeout", "retries"):
            assert key in check, f"{name}: healthcheck has no {key}"


def test_stage_healthchecks_probe_healthz_on_their_metrics_port(services: Services) -> None:
    ports = {}
    for name, subcommand in METRICS_STAGES.items():
        env = resolved_environment(services[name])
        assert env["POLICYRADAR_METRICS_HOST"] == "0.0.0.0", f"{name}: Prometheus cannot reach 127.0.0.1"
        port = int(env["POLICYRADAR_METRICS_PORT"])
        assert port == STAGE_METRICS_PORTS[subcommand], f"{name}: not the stage's own metrics port"
        assert probed_url(healthcheck_code(services[name])) == (port, "/healthz"), name
        ports.setdefault(network_host(services, name), []).append(port)
    for host, used in ports.items():
        assert len(used) == len(set(used)), f"two stages in the {host} network namespace share a port"


def test_web_healthcheck_probes_healthz_on_the_api_port(services: Services) -> None:
    args = build_parser().parse_args(command_argv(services["web"]))
    assert args.host == "0.0.0.0"
    assert probed_url(healthcheck_code(services["web"])) == (args.port, "/healthz")
    assert ("127.0.0.1", args.port, args.port) in published(services["web"])


@pytest.fixture
def live_endpoint() -> typing.Iterator[tuple[int, dict[str, str | None]]]:
    state: dict[str, str | None] = {"reason": None}
    server = HealthServer("127.0.0.1", 0, lambda: state["reason"]).start()
    yield server.port, state
    server.stop()


def run_probe(code: str, port: int, path: str) -> int:
    """Run a healthcheck one-liner against ``port``/``path`` instead of its own, as the image would."""
    old_port, old_path = probed_url(code)
    moved = code.replace(f"http://127.0.0.1:{old_port}{old_path}", f"http://127.0.0.1:{port}{path}")
    return subprocess.run([sys.executable, "-c", moved], capture_output=True, timeout=30).returncode


def test_healthcheck_one_liners_pass_when_healthy_and_fail_otherwise(
    services: Services, live_endpoint: tuple[int, dict[str, str | None]]
) -> None:
    port, state = live_endpoint
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # bound, never listening: connections are refused
        for name in (*METRICS_STAGES, "web"):
            code = healthcheck_code(services[name])
            assert run_probe(code, port, "/healthz") == 0, f"{name}: fails against a live /healthz"
            assert run_probe(code, closed, "/healthz") != 0, f"{name}: passes with nothing listening"
            state["reason"] = "Kafka does not answer"
            assert run_probe(code, port, "/readyz") != 0, f"{name}: passes on an HTTP 503"
            state["reason"] = None


def test_crawler_runs_on_its_schedule(services: Services) -> None:
    argv = command_argv(services["crawler"])
    assert argv == ["crawl", "--schedule"]
    args = build_parser().parse_args(argv)
    assert args.command == "crawl" and args.schedule is True


# --- 7. nothing is published beyond the loopback interface ---------------------------------------


def test_published_ports_bind_to_loopback(services: Services) -> None:
    seen = 0
    for name, service in services.items():
        for host_ip, host, target in published(service):
            seen += 1
            assert host_ip == LOOPBACK, f"{name}: port {host}:{target} must bind {LOOPBACK}, not {host_ip!r}"
        if str(service.get("network_mode", "")).startswith(("host", "service:", "container:")):
            assert not service.get("ports"), f"{name}: ports cannot be published with network_mode"
        assert service.get("network_mode") != "host", f"{name}: host networking bypasses the port binding"
    assert seen >= 2, "kafka and elasticsearch must publish their ports to the host"


# --- the image and the crawler's sources ---------------------------------------------------------


def test_build_context_and_copies_exist(services: Services) -> None:
    for name, service in services.items():
        build = service.get("build")
        if build is None:
            continue
        context = (COMPOSE_DIR / build["context"]).resolve()
        assert context == REPO_ROOT, f"{name}: build context {context} is not the repository root"
        assert (context / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    copied = []
    for line in dockerfile_lines():
        if line.upper().startswith("COPY ") and "--from=" not in line:  # not from another stage
            *sources, _dest = shlex.split(line[5:])
            copied.extend(s for s in sources if not s.startswith("--"))
    for source in copied:
        assert (REPO_ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
    includes = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    for pattern in includes:
        package = pattern.rstrip("*")
        assert any(s.rstrip("/") == package for s in copied), f"package {package}/ is not copied"
    assert any(s.rstrip("/") == "sources" for s in copied)
    assert any(s.rstrip("/") == "deploy/demo_site" for s in copied)


def final_stage_lines() -> list[str]:
    """The instructions of the Dockerfile's last stage (the image; earlier stages build parts of it)."""
    lines = dockerfile_lines()
    start = max(n for n, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[start:]


def test_sources_dir_points_at_the_copied_sources() -> None:
    workdir = next(line.split()[1] for line in final_stage_lines() if line.upper().startswith("WORKDIR "))
    destinations = {}
    for line in final_stage_lines():
        if line.upper().startswith("COPY "):
            *sources, dest = shlex.split(line[5:])
            for source in sources:
                destinations[source.rstrip("/")] = str(Path(workdir) / dest).rstrip("/")
    assert dockerfile_env()["POLICYRADAR_SOURCES_DIR"] == destinations["sources"]


def test_crawler_can_reach_the_hosts_of_the_bundled_sources(services: Services) -> None:
    """The demo sources point at 127.0.0.1: the crawler must share a network with what serves them."""
    specs = [spec for spec in load_sources(REPO_ROOT / "sources") if spec.enabled]
    loopback = {
        urlsplit(e.url).port
        for spec in specs
        for e in spec.entry_points
        if urlsplit(e.url).hostname in {"127.0.0.1", "localhost"}
    }
    if not loopback:
        return
    mode = str(services["crawler"].get("network_mode", ""))
    assert mode.startswith("service:"), "the crawler cannot reach 127.0.0.1 sources in its own namespace"
    server = services[mode.removeprefix("service:")]
    parts = [server.get("entrypoint") or [], server.get("command") or []]
    served = " ".join(p if isinstance(p, str) else " ".join(map(str, p)) for p in parts)
    for port in loopback:
        assert re.search(rf"\b{port}\b", served), f"{mode} does not serve port {port}"
    assert "/app/deploy/demo_site" in served
    assert mode.removeprefix("service:") in services["crawler"].get("depends_on", {}), (
        "the crawler must wait for the service whose network it shares"
    )


def test_readme_documents_the_run_and_search_commands(services: Services) -> None:
    readme = README.read_text(encoding="utf-8")
    assert "cp deploy/compose/.env.example deploy/compose/.env" in readme
    assert "docker compose -f deploy/compose/docker-compose.yml up -d --build" in readme
    assert 'POLICYRADAR_ENGINE=elasticsearch policyradar search "subsidy"' in readme
    for name in services:
        assert f"`{name}`" in readme, f"README does not describe the {name} service"
    for address in ("http://127.0.0.1:8025", "http://127.0.0.1:9090", "http://127.0.0.1:8000"):
        assert address in readme, f"README does not give {address}"
    for name, subcommand in METRICS_STAGES.items():
        assert str(STAGE_METRICS_PORTS[subcommand]) in readme, f"README does not give {name}'s port"


# --- the mail catcher, Prometheus, tokens and secrets ----------------------------------------------


def test_smtp_default_points_at_the_mail_catcher(services: Services) -> None:
    catchers = [name for name, s in services.items() if MAIL_CATCHER_IMAGE.fullmatch(s.get("image", ""))]
    assert len(catchers) == 1, "one pinned axllent/mailpit service is the default SMTP server"
    catcher = catchers[0]
    for name in (*ALL_COMMANDS, *METRICS_STAGES):
        env = resolved_environment(services[name], USER_ENV)  # no SMTP lines in .env: the defaults
        assert env["POLICYRADAR_SMTP_HOST"] == catcher, f"{name}: digests would not reach {catcher}"
        assert int(env["POLICYRADAR_SMTP_PORT"]) == 1025, f"{name}: mailpit listens for SMTP on 1025"
        overridden = resolved_environment(
            services[name], {**USER_ENV, "POLICYRADAR_SMTP_HOST": "smtp.example.org"}
        )
        assert overridden["POLICYRADAR_SMTP_HOST"] == "smtp.example.org", f"{name}: .env cannot override"
    assert (LOOPBACK, 8025, 8025) in published(services[catcher]), "the web UI must be on 127.0.0.1:8025"
    assert services[catcher]["healthcheck"]["test"] == ["CMD", "/mailpit", "readyz"]
    assert catcher in services["scheduler"]["depends_on"], "the scheduler sends digests: it waits for it"


def test_prometheus_scrapes_every_stage_on_its_metrics_port(services: Services) -> None:
    jobs = scrape_targets()
    expected = set(METRICS_STAGES) | {"web"}
    assert set(jobs) == expected, f"prometheus.yml jobs {sorted(jobs)}, expected {sorted(expected)}"
    for name in METRICS_STAGES:
        port = int(resolved_environment(services[name])["POLICYRADAR_METRICS_PORT"])
        assert jobs[name] == [(network_host(services, name), port, "/metrics")], name
        assert network_host(services, name) in services
    web_port = build_parser().parse_args(command_argv(services["web"])).port
    assert jobs["web"] == [("web", web_port, "/metrics")]


def test_prometheus_reads_the_config_and_publishes_its_ui_on_loopback(services: Services) -> None:
    prometheus = services["prometheus"]
    assert re.fullmatch(r"prom/prometheus:v3\.\d+\.\d+", prometheus["image"])
    mounts = [str(v).split(":") for v in prometheus.get("volumes", [])]
    config = [m for m in mounts if m[1] == "/etc/prometheus/prometheus.yml"]
    assert config and (COMPOSE_DIR / config[0][0]).resolve() == PROMETHEUS_FILE.resolve()
    assert (LOOPBACK, 9090, 9090) in published(prometheus)
    assert "/-/healthy" in " ".join(prometheus["healthcheck"]["test"])


def test_api_tokens_are_required_and_have_no_default(services: Services) -> None:
    value = environment(services["web"])["POLICYRADAR_API_TOKENS"]
    match = INTERPOLATION.fullmatch(value)
    assert match and match[1] == "POLICYRADAR_API_TOKENS" and match[2] == ":?", value
    with pytest.raises(MissingVariable, match=r"deploy/compose/\.env"):
        resolved_environment(services["web"], {})
    with pytest.raises(MissingVariable):
        resolved_environment(services["web"], {"POLICYRADAR_API_TOKENS": ""})  # as copied, unedited
    active, _ = env_example()
    assert active["POLICYRADAR_API_TOKENS"] == "", ".env.example must not ship a working token"
    tokens = json.loads(resolved_environment(services["web"])["POLICYRADAR_API_TOKENS"])
    assert tokens == json.loads(USER_ENV["POLICYRADAR_API_TOKENS"])


def test_no_secret_has_a_value_in_the_files(services: Services) -> None:
    secrets = {(PREFIX + name).upper() for name in secret_fields()}
    assert {"POLICYRADAR_API_TOKENS", "POLICYRADAR_SMTP_PASSWORD"} <= secrets
    for name, service in services.items():
        for key, value in environment(service).items():
            if key in secrets:
                match = INTERPOLATION.fullmatch(value)
                assert match and match[2] == ":?", f"{name}: {key} must come from .env, no default"
    active, commented = env_example_lines()
    for key in secrets:
        assert active.get(key, "") == "" and commented.get(key, "") == "", f".env.example: {key} has a value"
    kafka_cluster_id = environment(services["kafka"])["CLUSTER_ID"]  # an identifier, not a secret
    for path in (COMPOSE_FILE, ENV_EXAMPLE, PROMETHEUS_FILE):
        text = path.read_text(encoding="utf-8").replace(kafka_cluster_id, "")
        assert not re.search(r"whsec_[A-Za-z0-9]{8,}", text), f"{path.name}: a webhook secret"
        assert "-----BEGIN" not in text, f"{path.name}: a key"
        random_looking = [
            word
            for word in re.findall(r"[A-Za-z0-9_\-]{20,}", text)
            if re.search(r"[a-z]", word) and re.search(r"[A-Z]", word) and re.search(r"\d", word)
        ]
        assert not random_looking, f"{path.name}: looks like a credential: {random_looking}"


def test_replication_fits_one_broker_and_one_node(services: Services) -> None:
    brokers = len(environment(services["kafka"])["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(","))
    assert environment(services["elasticsearch"])["discovery.type"] == "single-node"
    for name in (*ALL_COMMANDS, *METRICS_STAGES):
        env = resolved_environment(services[name])
        settings = Settings(
            _env_file=None,
            topic_replication_factor=env["POLICYRADAR_TOPIC_REPLICATION_FACTOR"],
            index_replicas=env["POLICYRADAR_INDEX_REPLICAS"],
        )
        assert settings.topic_replication_factor == brokers, f"{name}: {brokers} broker(s) hold the copies"
        assert settings.index_replicas == 0, f"{name}: a replica on a single node is never assigned"


# --- the file is a compose file ----------------------------------------------------------------------

TOP_LEVEL = {"name", "services", "volumes", "networks", "configs", "secrets"}
SERVICE_KEYS = {
    "image", "build", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes",
    "healthcheck", "depends_on", "restart", "network_mode", "hostname", "ulimits", "user", "labels",
}  # fmt: skip
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}
DURATION = re.compile(r"(\d+(ms|s|m|h))+")


def test_compose_file_uses_only_compose_keys_in_the_right_shapes(compose: dict[str, typing.Any]) -> None:
    extra = {k for k in compose if not k.startswith("x-")} - TOP_LEVEL
    assert not extra, f"unknown top-level keys: {sorted(extra)}"
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        unknown = set(service) - SERVICE_KEYS
        assert not unknown, f"{name}: unknown keys {sorted(unknown)}"
        check = service["healthcheck"]
        assert set(check) <= HEALTHCHECK_KEYS, f"{name}: healthcheck keys {sorted(check)}"
        for key in ("interval", "timeout", "start_period"):
            assert key not in check or DURATION.fullmatch(str(check[key])), f"{name}: {key}={check[key]!r}"
        assert isinstance(check["retries"], int)
        for key in ("command", "entrypoint"):
            assert key not in service or isinstance(service[key], list), f"{name}: {key} must be a list"
        for volume in service.get("volumes") or []:
            source = str(volume).split(":", 1)[0]
            if source.startswith("."):
                assert (COMPOSE_DIR / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in declared, f"{name}: volume {source!r} is not declared"
        for entry in service.get("env_file") or []:
            assert entry == {"path": ".env", "required": False}, f"{name}: env_file {entry!r}"
