"""``make bench`` / ``python -m bench [--quick]``: one table of ratios against baselines measured side by side.

Every figure is the median of repeated runs of ours divided by the median of the baseline, both
measured in this process run, alternating, on the same machine. ``--quick`` is the CI smoke test:
it runs every benchmark a few times and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.replay_server import DATA, replay_process, replay_server

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "generator" / "specs" / "misskey-2026.3.2.json"


@dataclass
class Row:
    name: str
    ours: float
    baseline: float
    unit: str
    goal: float | None
    what: str

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline

    def line(self) -> str:
        goal = f"<= {self.goal:g}x" if self.goal else "-"
        verdict = "" if self.goal is None else (" ok" if self.ratio <= self.goal else " MISSED")
        return (
            f"| {self.name} | {self.ours:.3f} {self.unit} | {self.baseline:.3f} {self.unit} | "
            f"{self.ratio:.2f}x | {goal}{verdict} | {self.what} |"
        )


def _alternate(ours: Callable[[], float], baseline: Callable[[], float], runs: int) -> tuple[float, float]:
    """Medians of ``runs`` alternating measurements (each callable returns one measurement)."""
    a, b = [], []
    for _ in range(runs):
        a.append(ours())
        b.append(baseline())
    return statistics.median(a), statistics.median(b)


def _process_seconds(code: str) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        return time.perf_counter() - start

    return run


IMPORT_OURS = (
    "import misskey_client\n"
    "mk = misskey_client.Misskey('http://127.0.0.1:3000')\n"
    "import misskey_client.api.notes.notes_show\n"
)


def bench_import(runs: int) -> Row:
    # An installed package has byte-code compiled by pip; an editable checkout may not (and
    # PYTHONDONTWRITEBYTECODE keeps Python from writing it), so compile it as an install would.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "generated", "core", "auth"], check=True, cwd=ROOT)
    ours, base = _alternate(_process_seconds(IMPORT_OURS), _process_seconds("import httpx"), runs)
    what = "process: import, build a client, load notes/show vs import httpx"
    return Row("import", ours * 1e3, base * 1e3, "ms", 1.5, what)


def _per_call(function: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def bench_decode(runs: int) -> Row:
    from misskey_client.api.notes import notes_timeline

    raw = (DATA / "notes-timeline-100.json").read_bytes()
    assert len(json.loads(raw)) == 100
    ours, base = _alternate(
        lambda: _per_call(lambda: notes_timeline._parse(json.loads(raw)), 20),
        lambda: _per_call(lambda: json.loads(raw), 20),
        runs,
    )
    return Row("decode", ours * 1e3, base * 1e3, "ms", 2.0, "100-note notes/timeline into models vs json.loads")


def bench_stream(runs: int) -> Row:
    from bench import stream

    typed, plain = stream.measure()
    ours, base = _alternate(typed, plain, runs)
    what = f"{stream.COUNT:,} recorded note frames into typed stream events vs json.loads"
    return Row("stream", ours * 1e3, base * 1e3, "ms", 2.0, what)


def _target() -> tuple[str, str | None, str, bool]:
    """(url, token, note id, real): a real server when MISSKEY_URL is set, else the replay server."""
    url, token = os.environ.get("MISSKEY_URL"), os.environ.get("MISSKEY_USER_TOKEN")
    note_id = json.loads((DATA / "notes-show.json").read_bytes())["id"]
    if url and token:
        with httpx.Client() as http:
            created = http.post(f"{url}/api/notes/create", json={"text": "benchmark"}, headers=_auth(token))
            note_id = created.json()["createdNote"]["id"]
        return url, token, note_id, True
    return "", None, note_id, False


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def bench_request(runs: int, url: str, token: str | None, note_id: str, where: str) -> Row:
    from misskey_client import Misskey

    with Misskey(url, token=token) as mk, httpx.Client(base_url=f"{url}/api/", headers=_auth(token)) as http:
        mk.notes.show(note_id=note_id)  # warm both connection pools
        http.post("notes/show", json={"noteId": note_id}).json()
        ours, base = _alternate(
            lambda: _per_call(lambda: mk.notes.show(note_id=note_id), 50),
            lambda: _per_call(lambda: http.post("notes/show", json={"noteId": note_id}).json(), 50),
            runs,
        )
    return Row("request", ours * 1e3, base * 1e3, "ms", 1.05, f"mk.notes.show vs httpx post().json(), {where}")


def bench_async(rounds: int, url: str, token: str | None, note_id: str, where: str) -> tuple[list[Row], list[str]]:
    """AsyncMisskey on both backends, raw httpx and raw aiohttp: goal rows, and the side-by-side tables."""
    from bench.async_peers import AIOHTTP, FAST, FLOOR, HTTPX, measure

    rows, tables = [], []
    for measured in measure(url, token, note_id, rounds):
        short = "async 200" if measured.calls > 1 else "async one call"
        fast_wall, fast_cpu = measured.median_wall(FAST), measured.median_cpu(FAST)
        rows += [
            Row(
                f"{short}: wall",
                fast_wall * 1e3,
                measured.median_wall(HTTPX) * 1e3,
                "ms",
                0.75,
                f"{measured.scenario}: AsyncMisskey on aiohttp vs httpx.AsyncClient, {where}",
            ),
            Row(
                f"{short}: wall",
                fast_wall * 1e3,
                measured.median_wall(AIOHTTP) * 1e3,
                "ms",
                1.05,
                f"{measured.scenario}: AsyncMisskey on aiohttp vs raw aiohttp, {where}",
            ),
            Row(
                f"{short}: CPU per call",
                fast_cpu * 1e6,
                measured.median_cpu(AIOHTTP) * 1e6,
                "µs",
                1.3,
                f"{measured.scenario}: process CPU, AsyncMisskey on aiohttp vs raw aiohttp, {where}",
            ),
        ]
        if FLOOR in measured.rounds:
            rows.append(
                Row(
                    f"{short}: floor",
                    measured.median_wall(FLOOR) * 1e3,
                    measured.median_wall(HTTPX) * 1e3,
                    "ms",
                    None,
                    f"{measured.scenario}: a bare blocking socket, no HTTP library, vs httpx.AsyncClient: "
                    f"the server's own time, the lowest ratio any client reaches, {where}",
                )
            )
        tables += ["", *measured.table()]
    return rows, tables


def bench_own_overhead(runs: int) -> Row:
    from bench.async_peers import own_overhead

    answer = (DATA / "notes-show.json").read_bytes()
    note_id = json.loads(answer)["id"]
    measured = [own_overhead(answer, note_id, 2000) for _ in range(runs)]
    ours, base = statistics.median(m[0] for m in measured), statistics.median(m[1] for m in measured)
    what = "CPU of one awaited AsyncMisskey notes/show with the network taken out vs json.loads of its answer"
    return Row("async own overhead", ours * 1e6, base * 1e6, "µs", None, what)


def bench_generation(runs: int) -> Row:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    opc = shutil.which("openapi-python-client", path=env["PATH"])
    assert opc is not None, "openapi-python-client is a dev dependency"

    def ours() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "generator", "--output", f"{tmp}/pkg/misskey_client"],
                check=True,
                cwd=ROOT,
                capture_output=True,
            )
            return time.perf_counter() - start

    def plain() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run(
                [opc, "generate", "--path", str(SPEC), "--meta", "none", "--output-path", f"{tmp}/out"],
                check=True,
                cwd=tmp,
                env=env,
                capture_output=True,
            )
            return time.perf_counter() - start

    a, b = _alternate(ours, plain, runs)
    return Row("generation", a, b, "s", 2.0, "make generate vs plain openapi-python-client on the same spec")


# Peak RSS from /proc (VmHWM): getrusage's ru_maxrss survives execve and would report the parent's.
_PEAK = """
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""
MEMORY_OURS = (
    _PEAK
    + """
import sys
import misskey_client
with misskey_client.Misskey(sys.argv[1]) as mk:
    mk.notes.show(note_id=sys.argv[2])
print(_peak())
"""
)
MEMORY_BASE = (
    _PEAK
    + """
import sys
import httpx
with httpx.Client() as http:
    http.post(sys.argv[1] + "/api/notes/show", json={"noteId": sys.argv[2]}).json()
print(_peak())
"""
)


def bench_memory(runs: int, url: str, note_id: str) -> Row:
    def rss(code: str) -> Callable[[], float]:
        def run() -> float:
            out = subprocess.run([sys.executable, "-c", code, url, note_id], check=True, capture_output=True, text=True)
            return int(out.stdout.strip()) / 1024  # KiB -> MiB

        return run

    ours, base = _alternate(rss(MEMORY_OURS), rss(MEMORY_BASE), runs)
    return Row("memory", ours, base, "MiB", None, "peak RSS after import and one notes/show vs httpx alone")


UPLOAD = (
    _PEAK
    + """
import os, sys, tempfile
import misskey_client
size = int(sys.argv[2])
with tempfile.NamedTemporaryFile(suffix=".txt") as f:
    block = b"x" * (1 << 20)
    for _ in range(size >> 20):
        f.write(block)
    f.flush()
    with misskey_client.Misskey(sys.argv[1]) as mk:
        mk.request("drive/files/create", {}, files={"file": f.name})
print(_peak())
"""
)


def bench_upload_memory(runs: int, url: str) -> Row:
    def rss(size: int) -> Callable[[], float]:
        def run() -> float:
            out = subprocess.run(
                [sys.executable, "-c", UPLOAD, url, str(size)], check=True, capture_output=True, text=True
            )
            return int(out.stdout.strip()) / 1024

        return run

    ours, base = _alternate(rss(50 << 20), rss(5 << 20), runs)
    return Row("upload memory", ours, base, "MiB", 1.1, "peak RSS uploading a 50 MB file vs a 5 MB file (streamed)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few repetitions, no verdicts")
    args = parser.parse_args(argv)
    runs = 2 if args.quick else 15

    url, token, note_id, real = _target()
    rows = [bench_import(runs), bench_decode(runs), bench_stream(runs), bench_own_overhead(runs)]
    where = "real Misskey at MISSKEY_URL" if real else "loopback replay of a recorded response"
    with replay_process() as replay:  # a process of its own: its CPU is not the client's
        async_rows, async_tables = bench_async(1 if args.quick else 15, url if real else replay, token, note_id, where)
    with replay_server() as replay:
        target = url if real else replay
        rows.append(bench_request(runs, target, token, note_id, where))
        rows += async_rows
        rows.append(bench_memory(max(2, runs // 3), replay, note_id))
        rows.append(bench_upload_memory(2 if args.quick else 3, replay))
    rows.append(bench_generation(1 if args.quick else 3))

    print(
        f"misskey-client benchmarks, {datetime.date.today()}, Python {platform.python_version()}, "
        f"{platform.machine()} ({os.cpu_count()} cores){' [quick: not a measurement]' if args.quick else ''}"
    )
    print()
    print("| benchmark | ours | baseline | ratio | goal | what |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(row.line())
    for line in async_tables:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
