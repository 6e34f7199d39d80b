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
