"""Async calls side by side: AsyncMisskey on each backend against raw httpx and raw aiohttp.

Four contenders make the same ``notes/show`` call, each as its user would write it: ``AsyncMisskey``
over httpx's own transport and over aiohttp (typed ``Note`` answers), ``httpx.AsyncClient`` and
``aiohttp.ClientSession`` (``post`` then ``json()``), every pool at its default size. Two
scenarios: 200 calls at once (``asyncio.gather``), each round running every contender's 200 in a
rotating order; and one awaited call at a time, each round taking turns call by call (so that the
server's drift falls on every contender alike). The figures are medians (and min-max) over the
rounds of wall time and of this process's CPU time (``time.process_time``), so the server, a
separate process, is not counted.

The one-awaited-call scenario also times a floor: a bare blocking socket that writes the request's
bytes once and reads the answer by its Content-Length, with no HTTP library and no event loop.
What it takes is the server's own time plus a few hundred microseconds, so its ratio to
httpx.AsyncClient is the lowest any client can reach on that server. When MiPAC (Python 3.12+) is
installed, it runs beside the others in both scenarios (``fetch``, which skips its note cache).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import socket
import ssl
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx

from misskey_client import AsyncMisskey

__all__ = ["BareSocket", "Measured", "measure"]

SLOW, FAST, HTTPX, AIOHTTP = "AsyncMisskey (httpx)", "AsyncMisskey (aiohttp)", "httpx.AsyncClient", "aiohttp"
FLOOR, MIPAC = "floor: bare socket", "MiPAC"


@dataclass
class Measured:
    """Per contender, one (wall seconds, CPU seconds per call) pair a round."""

    scenario: str
    calls: int
    rounds: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def wall(self, name: str) -> list[float]:
        return [wall for wall, _ in self.rounds[name]]

    def cpu(self, name: str) -> list[float]:
        return [cpu for _, cpu in self.rounds[name]]

    def median_wall(self, name: str) -> float:
        return statistics.median(self.wall(name))

    def median_cpu(self, name: str) -> float:
        return statistics.median(self.cpu(name))

    def table(self) -> list[str]:
        lines = [
            f"{self.scenario}: {len(self.rounds[HTTPX])} rounds, medians (min-max)",
            "",
            "| client | wall | vs httpx.AsyncClient | vs aiohttp | CPU per call | CPU vs aiohttp |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for name in self.rounds:
            wall, cpu = self.wall(name), self.cpu(name)
            lines.append(
                f"| {name} | {statistics.median(wall) * 1e3:.1f} ms ({min(wall) * 1e3:.1f}-{max(wall) * 1e3:.1f}) "
                f"| {statistics.median(wall) / self.median_wall(HTTPX):.2f}x "
                f"| {statistics.median(wall) / self.median_wall(AIOHTTP):.2f}x "
                f"| {statistics.median(cpu) * 1e6:.0f} µs ({min(cpu) * 1e6:.0f}-{max(cpu) * 1e6:.0f}) "
                f"| {statistics.median(cpu) / self.median_cpu(AIOHTTP):.2f}x |"
            )
        return lines


class BareSocket:
    """One keep-alive connection, one blocking ``sendall`` of the whole request, the answer read by
    its Content-Length: no HTTP library, no event loop, no pool. Not a client (no chunked bodies,
    redirects, retries or timeouts beyond the socket's); the floor the others are measured against."""

    def __init__(self, url: str, token: str | None, path: str, body: dict[str, Any]) -> None:
        parsed = httpx.URL(url)
        self.host, self.tls = parsed.host, parsed.scheme == "https"
        self.port = parsed.port or (443 if self.tls else 80)
        content = json.dumps(body).encode()
        head = [f"POST {path} HTTP/1.1", f"Host: {parsed.netloc.decode()}", "Content-Type: application/json"]
        head += [f"Authorization: Bearer {token}"] if token else []
        head += [f"Content-Length: {len(content)}", "", ""]
        self.request = "\r\n".join(head).encode() + content
        self.sock: socket.socket | None = None

    def connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        return sock

    def call(self) -> Any:
        if self.sock is None:
            self.sock = self.connect()
        self.sock.sendall(self.request)
        got = b""
        while b"\r\n\r\n" not in got:
            got += self._recv()
        head, answer = got.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0].split()[1] == "200", f"the floor got {lines[0]!r}"
        fields = dict(line.lower().split(": ", 1) for line in lines[1:])
        length = int(fields["content-length"])  # Misskey and the replay server both send it
        while len(answer) < length:
            answer += self._recv()
        return json.loads(answer)

    def _recv(self) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the floor's connection")
        return chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


def measure(
    url: str, token: str | None, note_id: str, rounds: int, concurrent: int = 200, sequential: int = 30
) -> list[Measured]:
    """Both scenarios against ``url``; ``rounds`` measured rounds after one warm-up round."""
    return asyncio.run(_measure(url, token, note_id, rounds, concurrent, sequential))


async def _measure(
    url: str, token: str | None, note_id: str, rounds: int, concurrent: int, sequential: int
) -> list[Measured]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    api = f"{url}/api/notes/show"
    body = {"noteId": note_id}
    async with contextlib.AsyncExitStack() as stack:
        over_httpx = await stack.enter_async_context(AsyncMisskey(url, token=token, backend="httpx"))
        over_aiohttp = await stack.enter_async_context(AsyncMisskey(url, token=token, backend="aiohttp"))
        raw_httpx = await stack.enter_async_context(httpx.AsyncClient(headers=headers))
        raw_aiohttp = await stack.enter_async_context(aiohttp.ClientSession(headers=headers))
        bare = BareSocket(url, token, "/api/notes/show", body)
        stack.callback(bare.close)

        async def with_httpx() -> Any:
            return (await raw_httpx.post(api, json=body)).json()

        async def with_aiohttp() -> Any:
            async with raw_aiohttp.post(api, json=body) as response:
                return await response.json()

        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            SLOW: lambda: over_httpx.notes.show(note_id=note_id),
            FAST: lambda: over_aiohttp.notes.show(note_id=note_id),
            HTTPX: with_httpx,
            AIOHTTP: with_aiohttp,
        }
        if importlib.util.find_spec("mipac"):
            from mipac.client import Client  # type: ignore[import-not-found,unused-ignore]

            mipac = await stack.enter_async_context(Client(url, token, log_level=None))
            calls[MIPAC] = lambda: mipac.api.note.action.fetch(note_id)

        async def floor() -> Any:
            return bare.call()  # blocks the loop: nothing else runs while one call is awaited

        async def at_once(call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
            cpu, start = time.process_time(), time.perf_counter()
            answers = await asyncio.gather(*(call() for _ in range(concurrent)))
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            _check(answers, note_id)
            return wall, cpu / concurrent

        async def one_by_one(contenders: dict[str, Callable[[], Awaitable[Any]]]) -> dict[str, tuple[float, float]]:
            """``sequential`` turns, each one awaited call per contender in turn: the server's drift
            from one moment to the next (its GC, the machine's other work) falls on all of them alike."""
            order = list(contenders)
            spent = {name: [0.0, 0.0] for name in order}
            answers: dict[str, list[Any]] = {name: [] for name in order}
            for turn in range(sequential):
                for name in _rotated(order, turn):
                    cpu, start = time.process_time(), time.perf_counter()
                    answers[name].append(await contenders[name]())
                    spent[name][0] += time.perf_counter() - start
                    spent[name][1] += time.process_time() - cpu
            for got in answers.values():
                _check(got, note_id)
            return {name: (wall / sequential, cpu / sequential) for name, (wall, cpu) in spent.items()}

        names = list(calls)
        results = []
        concurrently = Measured(f"{concurrent} concurrent notes/show", concurrent, {name: [] for name in calls})
        for round_number in range(rounds + 1):
            for name in _rotated(names, round_number):
                outcome = await at_once(calls[name])
                if round_number:  # round 0 warms every pool up
                    concurrently.rounds[name].append(outcome)
        results.append(concurrently)
        with_floor = {**calls, FLOOR: floor}
        awaited = Measured("one awaited notes/show", 1, {name: [] for name in with_floor})
        for round_number in range(rounds + 1):
            outcomes = await one_by_one(with_floor)
            if round_number:
                for name, outcome in outcomes.items():
                    awaited.rounds[name].append(outcome)
        results.append(awaited)
        return results


def _rotated(names: list[str], turn: int) -> list[str]:
    """``names`` starting from the ``turn``-th: who goes first changes from one turn to the next."""
    first = turn % len(names)
    return names[first:] + names[:first]


def _check(answers: list[Any], note_id: str) -> None:
    ids = [answer["id"] if isinstance(answer, dict) else answer.id for answer in answers]
    assert ids == [note_id] * len(answers), "a contender got a wrong answer"


def own_overhead(answer: bytes, note_id: str, repeat: int) -> tuple[float, float]:
    """CPU seconds per ``await mk.notes.show(...)`` with the network taken out, and per ``json.loads``.

    The aiohttp session's place is taken by a coroutine that returns ``answer`` at once, so what is
    left is ours: the facade, body building, retry bookkeeping, error mapping, JSON and the models.
    """
    from misskey_core._aiohttp import Reply

    headers = {"content-type": "application/json; charset=utf-8"}

    async def answered(url: str, content: bytes, sent: Any, timeout: Any) -> Reply:
        return Reply(200, headers, answer)

    async def run() -> tuple[float, float]:
        mk = AsyncMisskey("http://127.0.0.1:9", token="token", backend="aiohttp")
        mk._http  # noqa: B018  (makes the fast path)
        assert mk._fast is not None
        mk._fast.transport.post = answered  # type: ignore[method-assign,assignment]
        assert (await mk.notes.show(note_id=note_id)).id == note_id
        start = time.process_time()
        for _ in range(repeat):
            await mk.notes.show(note_id=note_id)
        ours = (time.process_time() - start) / repeat
        start = time.process_time()
        for _ in range(repeat):
            json.loads(answer)
        return ours, (time.process_time() - start) / repeat

    return asyncio.run(run())
