"""What a generation did, in the generator's own words: the report printed after every run.

Every stage that changes what the user gets records a :class:`Finding`: a spec defect repaired
without losing a type, a value left untyped (plain JSON), an endpoint whose whole answer is plain
JSON, or an endpoint that got no method. Nothing is dropped without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["DEGRADED", "Finding", "Report", "Source"]

Kind = Literal["repaired", "untyped", "as-json", "skipped"]
#: The kinds that lose something (``--strict`` refuses them); a repair loses nothing.
DEGRADED: frozenset[Kind] = frozenset({"untyped", "as-json", "skipped"})


@dataclass(frozen=True)
class Finding:
    kind: Kind
    where: str  # "MeDetailed.isAdmin", "meta", "miauth/{session}/check"
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}"


@dataclass(frozen=True)
class Source:
    """Where the spec came from and what served it."""

    location: str  # a URL or a file path
    openapi: str  # "3.1.0"
    software: str | None = None  # "misskey", "sharkey" (nodeinfo's software.name)
    version: str | None = None  # "2026.3.2"

    @property
    def server(self) -> str:
        """``misskey 2026.3.2``, or what is known of it."""
        return " ".join(p for p in (self.software or "unknown software", self.version) if p)


@dataclass
class Report:
    source: Source
    endpoints: int = 0  # rendered: each has a typed function and a facade method
    typed: int = 0  # endpoints whose JSON answer is parsed into its declared type
    no_body: int = 0  # endpoints that answer 204 (None)
    findings: list[Finding] = field(default_factory=list)

    def of(self, kind: Kind) -> list[Finding]:
        return sorted((f for f in self.findings if f.kind == kind), key=lambda f: (f.where, f.why))

    @property
    def degraded(self) -> list[Finding]:
        return [f for f in sorted(self.findings, key=lambda f: (f.kind, f.where)) if f.kind in DEGRADED]

    def lines(self) -> list[str]:
        """The report, one line each; named findings indented below their count."""
        lines = [
            f"source: {self.source.server} ({self.source.location}, OpenAPI {self.source.openapi})",
            f"endpoints rendered: {self.endpoints}",
            f"answers typed: {self.typed}",
            f"answers without a body (204): {self.no_body}",
        ]
        for kind, title in (
            ("as-json", "answers returned as JSON"),
            ("untyped", "values left untyped (plain JSON) in typed answers"),
            ("skipped", "endpoints skipped"),
            ("repaired", "spec defects repaired"),
        ):
            found = self.of(kind)  # type: ignore[arg-type]
            lines.append(f"{title}: {len(found)}")
            lines.extend(f"  {finding}" for finding in found)
        return lines
