"""docs/endpoint-coverage.md is what the cassettes say today."""

from __future__ import annotations

from pathlib import Path

from tools import endpoint_coverage

DOC = Path(__file__).parent.parent / "docs" / "endpoint-coverage.md"


def test_the_committed_coverage_report_is_current() -> None:
    fresh = endpoint_coverage.report(
        endpoint_coverage.spec_endpoints(), endpoint_coverage.recorded(endpoint_coverage.cassettes())
    )
    assert DOC.read_text(encoding="utf-8") == fresh, "run `make endpoint-coverage` and commit docs/endpoint-coverage.md"


def test_at_least_300_endpoints_are_replayed() -> None:
    statuses = endpoint_coverage.recorded(endpoint_coverage.cassettes())
    replayed = [
        name for name in endpoint_coverage.spec_endpoints() if any(200 <= s < 300 for s in statuses.get(name, ()))
    ]
    assert len(replayed) >= 300
