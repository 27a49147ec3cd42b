"""What the local stack runs: a Kafka broker (KRaft) and an OpenSearch node, both on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from launcher.stack.process import port_open
from policyradar.errors import StackError
from policyradar.settings import PROJECT_ROOT, Settings

CONFIG_DIR = PROJECT_ROOT / "deploy" / "local" / "config"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Service:
    """One background service of the stack and the files it keeps under the stack folder."""

    name: str
    port: int
    stack_dir: Path

    @property
    def home(self) -> Path:
        return self.stack_dir / self.name

    @property
    def lib(self) -> Path:
        return self.stack_dir / "lib" / self.name

    @property
    def pid_file(self) -> Path:
        return self.stack_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.stack_dir / "logs" / f"{self.name}.log"


class Kafka(Service):
    def prepare(self, settings: Settings) -> None:
        """Write server.properties and format the storage once (a no-op on later starts)."""
        data_dir = self.home / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        template = (CONFIG_DIR / "kafka-server.properties").read_text()
        values = {
            "LOG_DIR": str(data_dir),
            "KAFKA_PORT": str(self.port),
            "CONTROLLER_PORT": str(self.port + 1),
        }
        for key, value in values.items():
            template = template.replace("${" + key + "}", value)
        (self.home / "server.properties").write_text(template)
        shutil.copy(CONFIG_DIR / "kafka-log4j2.properties", self.home / "log4j2.properties")
        if (data_dir / "meta.properties").exists():
            return
        cluster_id = _kafka_cluster_id()
        result = subprocess.run(
            [
                *self._java("256m"),
                "kafka.tools.StorageTool",
                "format",
                "--ignore-formatted",
                "-t",
                cluster_id,
                "-c",
                str(self.home / "server.properties"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(f"formatting Kafka storage in {data_dir} failed:\n{result.stderr[-2000:]}")

    def command(self, settings: Settings) -> list[str]:
        return [*self._java(settings.kafka_heap), "kafka.Kafka", str(self.home / "server.properties")]

    def is_ready(self, settings: Settings) -> bool:
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaConfigurationError, KafkaError

        if not port_open(HOST, self.port):
            return False
        try:
            admin = KafkaAdminClient(bootstrap_servers=f"{HOST}:{self.port}", request_timeout_ms=3000)
        except (KafkaError, OSError) as exc:
            if isinstance(exc, KafkaConfigurationError):
                raise
            return False
        try:
            admin.list_topics()
            return True
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()

    def _java(self, heap: str) -> list[str]:
        return [
            "java",
            f"-Xmx{heap}",
            f"-Xms{heap}",
            "-cp",
            f"{self.lib}/*",
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
        ]


class OpenSearch(Service):
    def prepare(self, settings: Settings) -> None:
        config = self.home / "node_1" / "config"
        config.mkdir(parents=True, exist_ok=True)
        shutil.copy(CONFIG_DIR / "opensearch.yml", config / "opensearch.yml")

    def command(self, settings: Settings) -> list[str]:
        heap = settings.opensearch_heap
        return [
            "java",
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-cp",
            f"{self.lib}/*",
            "org.codelibs.opensearch.runner.OpenSearchRunner",
            "-basePath",
            str(self.home),
            "-numOfNode",
            "1",
            "-baseHttpPort",
            str(self.port - 1),
            "-clusterName",
            "policyradar",
        ]

    def is_ready(self, settings: Settings) -> bool:
        url = f"http://{HOST}:{self.port}/_cluster/health?wait_for_status=yellow&timeout=2s"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                health = json.load(response)
        except (OSError, ValueError):
            return False
        return health.get("status") in ("green", "yellow")


def _kafka_cluster_id() -> str:
    """A random base64 cluster id that does not start with '-' (the storage tool rejects it)."""
    import base64

    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def stack_services(settings: Settings) -> list[Service]:
    """The stack's services in start order."""
    kafka_port = int(settings.kafka_bootstrap.rsplit(":", 1)[1])
    return [
        Kafka("kafka", kafka_port, settings.stack_dir),
        OpenSearch("opensearch", settings.opensearch_http_port, settings.stack_dir),
    ]
