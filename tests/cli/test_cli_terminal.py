"""``misskey`` in a real terminal: what a person sees, read off the screen of a pseudo-terminal.

The server is a loopback stand-in answering what the real server answered in this directory's
cassettes (and, for ``stream``, the websocket session of ``tests/streaming/frames``), so the program
runs as a separate process, exactly as typed at a shell. Each test waits for what the screen shows,
never for a length of time.
"""

from __future__ import annotations

import copy
import http.server
import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from misskey_cli import EXIT_API, EXIT_INTERRUPTED, EXIT_OK
from tests.cli.terminal import Terminal, run_in_pipe
from tests.loopback import Answer, Seen, json_answer, loopback
from tests.streaming.replay import Recording, threaded_replay

CASSETTES = Path(__file__).parent / "cassettes" / "test_cli_commands"
TOKEN = "token-of-the-stand-in"


def recorded(cassette: str, endpoint: str, index: int = 0) -> tuple[int, Any]:
    """(status, JSON) of the ``index``-th answer to ``endpoint`` in one of the cassettes."""
    interactions = yaml.safe_load((CASSETTES / f"{cassette}.yaml").read_text())["interactions"]
    answers = [i["response"] for i in interactions if i["request"]["uri"].endswith(f"/api/{endpoint}")]
    return answers[index]["status"]["code"], json.loads(answers[index]["body"]["string"])


def stand_in(answers: dict[str, tuple[int, Any]]) -> Any:
    def answer(seen: Seen) -> Answer:
        status, body = answers[seen.path.removeprefix("/api/")]
        return json_answer(body, status)

    return loopback(answer)


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    made: list[Terminal] = []
    yield made
    for terminal in made:
        terminal.close()


def start(terminals: list[Terminal], args: list[str], url: str, **kwargs: Any) -> Terminal:
    terminal = Terminal(args, {"MISSKEY_HOST": url, "MISSKEY_TOKEN": TOKEN}, **kwargs)
    terminals.append(terminal)
    return terminal


def test_answers_are_coloured_and_indented_only_on_a_terminal(terminals: list[Terminal]) -> None:
    me = recorded("test_api_converts_values_by_the_endpoints_types", "i")
    with stand_in({"i": me}) as server:
        terminal = start(terminals, ["api", "i"], server.url, lines=1000)  # a tall window: all of it on screen
        terminal.wait_for_text('"username": "alice"')
        assert terminal.exit_status() == EXIT_OK
        screen = terminal.text()
        assert screen.startswith("{\n")  # indented, one property a line
        assert '\n  "username": "alice",\n' in screen
        assert terminal.colour_of('"username"') != "default"  # rich's JSON colours: keys, strings...
        assert terminal.colour_of('"alice"') != terminal.colour_of('"username"')

        piped = run_in_pipe(["api", "i"], {"MISSKEY_HOST": server.url, "MISSKEY_TOKEN": TOKEN})
    assert piped.returncode == EXIT_OK
    assert "\x1b" not in piped.stdout  # no escape sequence at all
    assert piped.stdout.count("\n") == 1
    assert json.loads(piped.stdout)["username"] == "alice"
    assert b"\x1b[" in terminal.transcript


def test_an_error_is_red_on_a_terminal_and_plain_in_a_pipe(terminals: list[Terminal]) -> None:
    missing = recorded("test_misskey_error_prints_code_message_and_id", "notes/show")
    with stand_in({"notes/show": missing}) as server:
        terminal = start(terminals, ["api", "notes/show", "note_id=0000000000"], server.url)
        terminal.wait_for_text("NO_SUCH_NOTE")
        assert terminal.exit_status() == EXIT_API
        assert terminal.text().splitlines() == [
            "error: NO_SUCH_NOTE: No such note.",
            "HTTP 400, id 24fcbfc6-2e37-42b6-8388-c29b3861a08d, endpoint notes/show",
        ]
        assert terminal.colour_of("error:") == "red"
        assert terminal.colour_of("NO_SUCH_NOTE") == "default"
        piped = run_in_pipe(["api", "notes/show", "note_id=0000000000"], {"MISSKEY_HOST": server.url})
    assert piped.returncode == EXIT_API  # notes/show needs no token: the same answer, in plain text
    assert piped.stderr == (
        "error: NO_SUCH_NOTE: No such note.\nHTTP 400, id 24fcbfc6-2e37-42b6-8388-c29b3861a08d, endpoint notes/show\n"
    )


class _GatedUpload:
    """A stand-in whose ``drive/files/create`` reads the upload only as far as the test allows.

    The client's progress bar counts what it has handed to the socket; while the server reads no
    further, the kernel's buffers fill and the bar stops short of 100%. Opening the gate further
    lets it move on: the test sees the bar at a point it chose, with no waiting on the clock.
    """

    def __init__(self, answers: dict[str, tuple[int, Any]]) -> None:
        self.answers = answers
        self.allowed = 0
        self.read = 0
        self.changed = threading.Condition()
        gated = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                endpoint = self.path.removeprefix("/api/")
                if endpoint == "drive/files/create":
                    gated.drain(self.rfile, length)
                else:
                    self.rfile.read(length)
                status, body = gated.answers[endpoint]
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def server_bind(self) -> None:
                # A small, fixed receive window (set before listen, so accepted sockets inherit it):
                # the kernel's autotuning would otherwise buffer megabytes the server never read.
                self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
                super().server_bind()

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()

    def drain(self, stream: Any, length: int) -> None:
        self.read = 0
        while self.read < length:
            with self.changed:
                self.changed.wait_for(lambda: self.allowed > self.read)
                chunk = min(self.allowed - self.read, length - self.read, 65536)
            self.read += len(stream.read(chunk))

    def allow(self, upto: int) -> None:
        with self.changed:
            self.allowed = upto
            self.changed.notify_all()

    def close(self) -> None:
        self.allow(1 << 62)
        self.server.shutdown()
        self.server.server_close()


def _percent(terminal: Terminal, name: str) -> int | None:
    for line in terminal.text().splitlines():
        if line.startswith(name):
            found = re.search(r"(\d+)%", line)
            return int(found.group(1)) if found else None
    return None


def test_note_with_a_file_shows_a_moving_progress_bar(terminals: list[Terminal], tmp_path: Path) -> None:
    size = 64 * 1024 * 1024  # far more than the kernel buffers between client and server
    big = tmp_path / "big.bin"
    with big.open("wb") as out:
        out.truncate(size)
    answers = {
        "drive/files/create": recorded("test_note_with_files_cw_and_visibility", "drive/files/create"),
        "notes/create": recorded("test_note_with_files_cw_and_visibility", "notes/create"),
    }
    server = _GatedUpload(answers)
    try:
        server.allow(1024 * 1024)
        terminal = start(terminals, ["note", "a big file", "--file", str(big)], server.url)
        terminal.wait_for(lambda t: (_percent(t, "big.bin") or 0) > 0, "the bar under way")
        first = _percent(terminal, "big.bin")
        assert first is not None and 0 < first < 100
        assert "█" in terminal.text() or "━" in terminal.text()  # a bar, drawn

        server.allow(48 * 1024 * 1024)  # 75% read: the bar must pass where it stood
        terminal.wait_for(lambda t: (_percent(t, "big.bin") or 0) >= 75, "the bar moving on")
        second = _percent(terminal, "big.bin")
        assert second is not None and first < second < 100

        server.allow(1 << 62)
        terminal.wait_for(lambda t: _percent(t, "big.bin") == 100, "the bar full")
        assert terminal.exit_status() == EXIT_OK
        note_id = answers["notes/create"][1]["createdNote"]["id"]
        assert terminal.text().splitlines()[-1] == f"{server.url}/notes/{note_id}"
        assert "/67.1 MB" in terminal.text()  # the size (rich counts in decimal megabytes)

        piped = run_in_pipe(
            ["note", "a big file", "--file", str(big)], {"MISSKEY_HOST": server.url, "MISSKEY_TOKEN": TOKEN}
        )
        assert (piped.returncode, piped.stderr) == (EXIT_OK, "")  # in a pipe: no bar
        assert piped.stdout == f"{server.url}/notes/{note_id}\n"
    finally:
        server.close()


def _frame(record: dict[str, Any]) -> dict[str, Any]:
    return record.get("frame") or {}


def _is_note(record: dict[str, Any]) -> bool:
    return record["kind"] == "recv" and _frame(record).get("type") == "channel"


def _home_session() -> Recording:
    """The recorded streaming session, cut down to alice's home timeline.

    Two notes arrive, the connection is cut, the next notes are posted while it is down (the
    REST answers the server gave for them are the backfill), then one more arrives live.
    """
    full = Recording.load("reconnect_backfill.jsonl")
    home_id = _frame(full.sessions[1][0])["body"]["id"]  # the homeTimeline connect comes first

    def home(record: dict[str, Any]) -> bool:
        frame, body = _frame(record), _frame(record).get("body") or {}
        if record["kind"] == "cut":
            return True
        if frame.get("type") == "connect":
            return body.get("channel") == "homeTimeline"
        return frame.get("type") in ("connected", "channel") and body.get("id") == home_id

    sessions = {n: [r for r in records if home(r)] for n, records in full.sessions.items()}
    notes = [_frame(r)["body"]["body"] for r in sessions[1] if _is_note(r)]
    kept = notes[:2]  # two notes arrive before the cut
    sessions[1] = [r for r in sessions[1] if not _is_note(r) or _frame(r)["body"]["body"] in kept]
    live = [r for r in sessions[2] if _is_note(r)][-1]
    sessions[2] = [r for r in sessions[2] if _frame(r).get("type") in ("connect", "connected")] + [live]
    timeline = [r for r in full.rest if r["endpoint"] == "notes/timeline"]
    missed = [*notes[2:], *(n for r in timeline[1:] for n in r["response"])][:3]
    backfill = {"endpoint": "notes/timeline", "params": {"limit": 100, "sinceId": kept[-1]["id"]}}
    rest = [timeline[0], backfill | {"status": 200, "response": missed}]
    return Recording(copy.deepcopy(full.meta), sessions, copy.deepcopy(rest))


def test_stream_prints_one_object_per_line_backfills_and_exits_130_on_ctrl_c(
    terminals: list[Terminal], tmp_path: Path
) -> None:
    recording = _home_session()
    expected = [_frame(r)["body"]["body"]["id"] for r in recording.sessions[1] if _is_note(r)]
    backfilled = [n["id"] for n in recording.rest[1]["response"]]
    live = recording.sessions[2][-1]["frame"]["body"]["body"]["id"]
    events = tmp_path / "events.jsonl"
    with threaded_replay(recording) as server, events.open("wb") as out:
        # misskey stream homeTimeline > events.jsonl, in a terminal: the reconnect is told on stderr
        terminal = start(terminals, ["stream", "homeTimeline"], server.url, stdout=out)
        terminal.wait_for(lambda t: live in events.read_text(), "the note posted after the reconnect")
        terminal.wait_for_text("misskey: homeTimeline: backfilled 3 missed event(s) after the reconnect")
        terminal.type(b"\x03")  # Ctrl-C at the keyboard
        status = terminal.exit_status()
        assert server.errors == []
    assert status == EXIT_INTERRUPTED
    assert "Traceback" not in terminal.text()
    lines = events.read_text().splitlines()
    received = [json.loads(line) for line in lines]
    assert [e["body"]["id"] for e in received] == [*expected, *backfilled, live]
    assert [e["backfilled"] for e in received] == [False] * len(expected) + [True] * len(backfilled) + [False]
    assert {(e["channel"], e["type"]) for e in received} == {("homeTimeline", "note")}
    assert received[0]["body"] == recording.sessions[1][2]["frame"]["body"]["body"]  # as the server sent it


def test_stream_on_a_terminal_prints_coloured_lines(terminals: list[Terminal]) -> None:
    recording = _home_session()
    recording.sessions = {1: recording.sessions[1][:3]}  # connected, one note, then nothing
    with threaded_replay(recording) as server:
        terminal = start(terminals, ["stream", "homeTimeline"], server.url)
        note_id = recording.sessions[1][2]["frame"]["body"]["body"]["id"]
        terminal.wait_for_text(note_id)
        line = next(line for line in terminal.text().splitlines() if note_id in line)
        assert line.startswith('{"channel": "homeTimeline", "type": "note", "backfilled": false, "body": {')
        assert terminal.colour_of('"channel"') != "default"
        terminal.type(b"\x03")
        assert terminal.exit_status() == EXIT_INTERRUPTED
