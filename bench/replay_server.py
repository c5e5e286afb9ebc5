"""A loopback HTTP server that answers every POST with a response recorded from a real Misskey."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DATA = Path(__file__).parent / "data"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server
    wbufsize = -1  # one write per response: no small-packet delays (Nagle, delayed ACK) on loopback
    body = b"{}"

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self) -> None:
        remaining = int(self.headers.get("Content-Length", 0))
        while remaining > 0:  # drain uploads in chunks
            remaining -= len(self.rfile.read(min(remaining, 1 << 16)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    # The async benchmark opens 20 connections at once; with the default listen backlog of 5 some of
    # them can be dropped (a ReadError on a busy machine).
    request_queue_size = 128


@contextmanager
def replay_server(recording: str = "notes-show.json") -> Iterator[str]:
    """Serve ``bench/data/<recording>`` at a loopback URL for the duration of the block."""
    handler = type("Handler", (_Handler,), {"body": (DATA / recording).read_bytes()})
    server = _Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def replay_process(recording: str = "notes-show.json") -> Iterator[str]:
    """``replay_server`` in a process of its own, so that its CPU time is not the benchmark's."""
    root = Path(__file__).resolve().parent.parent
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.replay_server", recording], cwd=root, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        child.terminate()
        child.wait(10)


if __name__ == "__main__":
    import time

    with replay_server(*sys.argv[1:2]) as url:
        print(url, flush=True)
        time.sleep(3600)  # ended by replay_process
