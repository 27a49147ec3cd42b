import socket

from launcher.stack import stack_status
from launcher.stack.process import port_open, read_pid
from policyradar.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_status_is_false_and_names_logs_when_nothing_runs(tmp_path):
    settings = Settings(
        stack_dir=tmp_path, kafka_bootstrap=f"127.0.0.1:{free_port()}", opensearch_http_port=free_port()
    )
    lines: list[str] = []
    assert stack_status(settings, say=lines.append) is False
    assert len(lines) == 2 and all("down" in line for line in lines)
    assert str(tmp_path / "logs") in lines[0]


def test_stale_pid_file_is_not_a_running_process(tmp_path):
    pid_file = tmp_path / "x.pid"
    pid_file.write_text("999999999\n")
    assert read_pid(pid_file) is None
    pid_file.write_text("garbage")
    assert read_pid(pid_file) is None


def test_port_open_sees_a_listener():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert port_open("127.0.0.1", server.getsockname()[1])
    assert not port_open("127.0.0.1", free_port())
