"""deploy/compose: the compose file, its Dockerfile and .env.example agree with the code.

No Docker engine is needed: the files are parsed and checked against the settings object and the
``policyradar`` argument parser, so a renamed setting or subcommand, a wrong host:port or an
unguarded published port fails here instead of in a user's ``docker compose up``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import tomllib
import typing
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from crawlers.sources import load_sources
from launcher.cli import build_parser
from policyradar.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[3]
COMPOSE_DIR = REPO_ROOT / "deploy" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
DOCKERFILE = COMPOSE_DIR / "Dockerfile"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
README = COMPOSE_DIR / "README.md"

PREFIX = Settings.model_config["env_prefix"]
ENV_NAME = re.compile(re.escape(PREFIX) + r"[A-Za-z0-9_]+")
STAGES = {"crawler": "crawl", "processor": "process", "indexer": "index"}  # the Kafka stages
SERVING = {"scheduler": "scheduler", "web": "serve"}  # read and write the search engine only
ALL_COMMANDS = {**STAGES, **SERVING}
LONG_RUNNING = ("processor", "indexer")
LOOPBACK = "127.0.0.1"

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


def env_example() -> tuple[dict[str, str], set[str]]:
    """(active assignments, every POLICYRADAR_ name mentioned, commented out or not)."""
    active: dict[str, str] = {}
    for raw in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert "=" in line, f".env.example: not a KEY=VALUE line: {raw!r}"
        key, value = line.split("=", 1)
        active[key.strip()] = value.strip()
    return active, set(ENV_NAME.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


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
    for name in ALL_COMMANDS:
        env = {**image_env, **environment(services[name])}
        for key in [k for k in os.environ if k.upper().startswith(PREFIX)]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = Settings(_env_file=None)
        for key, value in env.items():
            if key.startswith(PREFIX):
                field = key[len(PREFIX) :].lower()
                assert str(getattr(settings, field)) == value, f"{name}: {key}={value!r} did not load"


def test_env_example_agrees_with_the_compose_file(services: Services) -> None:
    active, _ = env_example()
    assert active, ".env.example assigns nothing"
    Settings(_env_file=None, **{k[len(PREFIX) :].lower(): v for k, v in active.items()})
    passed = {**environment(services["indexer"]), **dockerfile_env()}
    for key in sorted(set(passed) & valid_env_names()):
        assert active.get(key) == passed[key], f".env.example: {key} should be {passed[key]!r}"


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


def test_restart_policies(services: Services) -> None:
    for name in LONG_RUNNING:
        assert services[name].get("restart") == "unless-stopped", name
    # An unquoted `no` is the YAML boolean false, which compose rejects: it must be the string.
    assert services["crawler"].get("restart", "no") == "no"


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
        if line.upper().startswith("COPY "):
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


def test_sources_dir_points_at_the_copied_sources() -> None:
    workdir = next(line.split()[1] for line in dockerfile_lines() if line.upper().startswith("WORKDIR "))
    destinations = {}
    for line in dockerfile_lines():
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


def test_readme_documents_the_run_and_search_commands() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "docker compose -f deploy/compose/docker-compose.yml up -d --build" in readme
    assert 'POLICYRADAR_ENGINE=elasticsearch policyradar search "subsidy"' in readme
    for name in ("kafka", "elasticsearch", *ALL_COMMANDS):
        assert f"`{name}`" in readme, f"README does not describe the {name} service"
