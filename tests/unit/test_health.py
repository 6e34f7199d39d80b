import http.server
import json
import socket
import threading

from pororoca_core import health


def _serve(body: dict, status: int = 200):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_http_probe_checks_status_and_json_fields():
    server = _serve({"starting": True})
    url = f"http://127.0.0.1:{server.server_port}/v1/info"
    try:
        assert health.http(url).ok
        starting = health.http(url, {"starting": False})
        assert not starting.ok and "starting" in starting.detail
    finally:
        server.shutdown()


def test_http_probe_fails_on_an_error_status():
    server = _serve({}, 503)
    try:
        result = health.http(f"http://127.0.0.1:{server.server_port}/ready")
        assert not result.ok and "503" in result.detail
    finally:
        server.shutdown()


def test_tcp_probe_and_port_check_see_a_listener():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert health.tcp("127.0.0.1", port).ok
        assert not health.port_is_free("127.0.0.1", port)
    assert not health.tcp("127.0.0.1", port).ok
    assert health.port_is_free("127.0.0.1", port)


def test_command_probe_reports_exit_status():
    assert health.command(["true"]).ok
    assert not health.command(["false"]).ok
    assert not health.command(["/nonexistent/binary"]).ok


def _connectors(sink_task_state: str) -> dict:
    trace = "java.io.UncheckedIOException: Connect to 127.0.0.1:20000 failed: Connection refused\n\tat org.apache..."
    return {
        "bronze-core": {
            "status": {
                "connector": {"state": "RUNNING"},
                "tasks": [{"id": 0, "state": sink_task_state, "trace": trace}],
            }
        },
        "core-postgres": {"status": {"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "RUNNING"}]}},
    }


def test_a_connect_worker_with_a_failed_task_is_unhealthy_and_says_which():
    server = _serve(_connectors("FAILED"))
    try:
        result = health.connect(f"http://127.0.0.1:{server.server_port}")
        assert not result.ok
        refused = "java.io.UncheckedIOException: Connect to 127.0.0.1:20000 failed: Connection refused"
        assert result.detail == f"bronze-core task 0 FAILED: {refused}"
    finally:
        server.shutdown()


def test_a_connect_worker_running_every_task_is_healthy():
    server = _serve(_connectors("RUNNING"))
    try:
        result = health.connect(f"http://127.0.0.1:{server.server_port}")
        assert result.ok and result.detail == "2 connectors running"
    finally:
        server.shutdown()


def test_a_failed_task_is_reported_by_its_root_cause():
    trace = (
        "org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.\n"
        "\tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:659)\n"
        "Caused by: java.io.UncheckedIOException: java.io.IOException: upload failed\n"
        "Caused by: software.amazon.awssdk.core.exception.SdkClientException: Connection refused\n"
        "\t... 30 more"
    )
    statuses = {
        "bronze-core": {
            "status": {"connector": {"state": "RUNNING"}, "tasks": [{"id": 0, "state": "FAILED", "trace": trace}]}
        }
    }
    assert health.failed_connectors(statuses) == [
        "bronze-core task 0 FAILED: software.amazon.awssdk.core.exception.SdkClientException: Connection refused"
    ]


def test_a_failed_connector_is_named_even_without_a_trace():
    statuses = {"lake-fraud": {"status": {"connector": {"state": "FAILED"}, "tasks": []}}}
    assert health.failed_connectors(statuses) == ["lake-fraud connector FAILED"]
