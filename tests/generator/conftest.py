"""Clients generated from real specs: the pinned one, the shared releases, and the servers recorded here.

Each spec is generated once per test session (two at a time, in worker processes) into a temporary
tree; tests import the result in a subprocess, where it is the only ``misskey_client``.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator import fetch, postprocess
from generator.__main__ import _parser, generate
from generator.report import Report

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "misskey"
RECORDED = Path(__file__).parent / "specs"


@dataclass(frozen=True)
class Spec:
    """A real spec and what its generation must report."""

    path: Path
    server: str  # the report's "software version"
    rendered: int
    typed: int
    no_body: int
    repaired: int = 0
    untyped: int = 0  # values the report names as left untyped (plain JSON)
    software: str | None = None  # --software, for a fork whose spec calls itself Misskey's
    openapi: str = "3.1.0"


SPECS = {
    "misskey-2026.3.2": Spec(fetch.PINNED_SPEC, "misskey 2026.3.2", 433, 277, 156),
    # admin/accounts/create: {"$ref": MeDetailed, "properties": {"token": ...}}, read as both.
    "misskey-2024.11.0": Spec(SHARED / "misskey-2024.11.0.api.json", "misskey 2024.11.0", 384, 244, 140, repaired=1),
    "misskey-2023.12.2": Spec(
        SHARED / "misskey-2023.12.2.api.json", "misskey 2023.12.2", 357, 225, 132, repaired=1, openapi="3.0.0"
    ),
    # Recorded here from servers built from their sources (GET /api.json, as served).
    "misskey-2025.6.3": Spec(RECORDED / "misskey-2025.6.3.api.json", "misskey 2025.6.3", 420, 268, 152, repaired=1),
    "sharkey-2025.4.2": Spec(
        RECORDED / "sharkey-2025.4.2.api.json", "sharkey 2025.4.2", 440, 270, 170, repaired=3, software="sharkey"
    ),
    "cherrypick-4.17.0": Spec(RECORDED / "cherrypick-4.17.0.api.json", "cherrypick 4.17.0", 465, 297, 168),
    # 13.x: an empty body on every parameterless endpoint, siblings of $ref, arrays without items.
    "misskey-13.14.2": Spec(
        RECORDED / "misskey-13.14.2.api.json", "misskey 13.14.2", 299, 181, 118, repaired=12, untyped=4, openapi="3.0.0"
    ),
}


def _generate(name: str, out: Path) -> Report:
    spec = SPECS[name]
    argv = ["--spec", str(spec.path), *(["--software", spec.software] if spec.software else [])]
    generation = generate(_parser().parse_args(argv), out / "work")
    postprocess.install_tree(generation.package, out / "package" / "misskey_client")
    return generation.report


@dataclass(frozen=True)
class Generated:
    report: Report
    package: Path  # the directory holding misskey_client

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``python -m ARGS`` with this package as ``misskey_client`` (misskey_core and tests from the checkout)."""
        path = os.pathsep.join([str(self.package), str(ROOT / "core"), str(ROOT / "auth"), str(ROOT)])
        env = {**os.environ, "PYTHONPATH": path}
        return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, env=env, cwd=ROOT)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    """Every spec of ``SPECS`` whose file is here, generated (a missing shared spec is left out)."""
    root = tmp_path_factory.mktemp("generated")
    names = [name for name, spec in SPECS.items() if spec.path.exists()]
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no state of this one's
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        reports = dict(zip(names, pool.map(_generate, names, [root / name for name in names]), strict=True))
    return {name: Generated(reports[name], root / name / "package") for name in names}
