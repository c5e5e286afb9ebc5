"""Real specs of other releases and forks give a complete, working client, and the report says what happened."""

from __future__ import annotations

import json

import pytest

from tests.generator.conftest import SPECS, Generated


def _of(generated: dict[str, Generated], name: str) -> Generated:
    if name not in generated:
        pytest.skip(f"{SPECS[name].path} is not on this machine")
    return generated[name]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_report_counts_what_was_generated(generated: dict[str, Generated], name: str) -> None:
    spec, report = SPECS[name], _of(generated, name).report
    assert report.source.server == spec.server
    assert report.source.openapi == spec.openapi
    assert (report.endpoints, report.typed, report.no_body) == (spec.rendered, spec.typed, spec.no_body)
    assert report.typed + report.no_body == report.endpoints  # every endpoint is one or the other
    assert report.of("as-json") == report.of("skipped") == []  # every answer typed, every endpoint a method
    assert len(report.of("untyped")) == spec.untyped
    assert len(report.of("repaired")) == spec.repaired


def test_a_forks_conflicting_all_of_is_repaired_not_dropped(generated: dict[str, Generated]) -> None:
    """Sharkey's MeDetailed: UserLite.isAdmin (optional boolean) meets MeDetailedOnly.isAdmin
    (required [boolean, null]). openapi-python-client dropped the model, and mk.i() returned None."""
    report = _of(generated, "sharkey-2025.4.2").report
    repaired = [(f.where, f.why) for f in report.of("repaired") if f.where.startswith("MeDetailed.")]
    assert repaired == [
        (
            f"MeDetailed.{name}",
            "allOf members disagree (boolean (optional) in UserLite; boolean | null in MeDetailedOnly); "
            "merged as boolean | null, optional",
        )
        for name in ("isAdmin", "isModerator")
    ]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_package_imports_and_every_method_exists(generated: dict[str, Generated], name: str) -> None:
    package = _of(generated, name)
    done = package.run("tests.generator.check_package", str(SPECS[name].path))
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert counts["endpoints"] == package.report.endpoints
    assert counts["methods"] == 2 * package.report.endpoints  # sync and async
    assert counts["models"] > 300
    assert counts["modules"] > counts["endpoints"] + counts["models"]


def test_misskey_13_is_read_as_its_spec_means(generated: dict[str, Generated]) -> None:
    """13.14.2 crashed the generator (an empty body on every parameterless endpoint made ``def list(self, *, )``)
    and lost answers; what it still cannot type is named, each with its reason."""
    report = _of(generated, "misskey-13.14.2").report
    assert [str(f) for f in report.of("untyped")] == [
        "Page.content[]: an array without `items`: its items are Any",
        "Page.variables[]: an array without `items`: its items are Any",
        "admin/announcements/create (answer): refers to #/components/schemas/Announcement, which the spec lacks",
        "i/update (body).mutedWords[]: an array without `items`: its items are Any",
    ]
    repaired = {f.where: f.why for f in report.of("repaired")}
    assert repaired["Note.reply"] == "nullable beside a $ref, which OpenAPI ignores; read as a nullable Note"
    assert repaired["admin/accounts/create (answer)"] == (
        "properties beside a $ref, which OpenAPI ignores; read as User with those properties"
    )
