"""``python -m generator``: fetch -> clean -> render -> post-process.

python -m generator                      # the pinned spec (generator/specs/)
python -m generator --url misskey.example  # an instance's /api.json (or https://host/api-doc, ...)
python -m generator --spec api.json      # a file
python -m generator --check              # compare a fresh generation with the committed tree
python -m generator --strict ...         # fail if any part of the spec could not be typed
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import clean as clean_stage
from . import fetch, patches, postprocess, render
from .errors import GeneratorError
from .report import Report

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated" / render.PACKAGE
PERMISSIONS = ROOT / "auth" / "misskey_auth" / "_permissions.py"
REFERENCE = ROOT / "docs" / "reference"  # the documentation site's reference pages (make docs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--url",
        help="a Misskey instance as you would paste it (host, https://host, https://host/api-doc, "
        "https://host/api.json); its /api.json is downloaded. A file's path works too.",
    )
    source.add_argument("--spec", type=Path, help="an OpenAPI JSON file")
    parser.add_argument(
        "--software",
        help="the software that serves the spec (nodeinfo's name: misskey, sharkey, cherrypick...); "
        "asked of the instance with --url, else read from the spec's title, which some forks leave as Misskey's",
    )
    parser.add_argument("--check", action="store_true", help="fail if the committed tree differs")
    parser.add_argument("--strict", action="store_true", help="fail if any part of the spec could not be typed")
    parser.add_argument("--output", type=Path, default=GENERATED, help="where the package goes")
    parser.add_argument("--timeout", type=float, default=30.0, help="download timeout in seconds")
    return parser


@dataclass
class Generation:
    package: Path  # the rendered package, in the work directory
    permissions: Path  # misskey_auth's permission list, beside it
    reference: Path  # the reference pages of the documentation site, beside it
    warnings: list[str]
    report: Report


def generate(args: argparse.Namespace, work: Path) -> Generation:
    raw, source = fetch.load_spec(url=args.url, path=args.spec, timeout=args.timeout)
    if args.software:
        source = dataclasses.replace(source, software=args.software.strip().lower())
    patches.apply_patches(raw)
    cleaned = clean_stage.clean(raw)
    out = work / "out"
    result = render.render(cleaned, out, source)
    for relative, content in result.files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    (out / render.PACKAGE / "py.typed").write_text("", encoding="utf-8")
    postprocess.format_tree(out)
    postprocess.add_headers(out)
    report = Report(source, len(result.endpoints), result.typed, result.no_body, cleaned.findings)
    package = out / render.PACKAGE
    return Generation(
        package,
        out / "misskey_auth" / "_permissions.py",
        out / "reference",
        cleaned.warnings + result.warnings,
        report,
    )


def _generate(args: argparse.Namespace, work: Path) -> Generation | None:
    """``generate``, with every failure one ``error:`` line: a traceback helps nobody who pasted a URL."""
    try:
        return generate(args, work)
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except Exception as exc:  # the last line of defence: a bug of ours, still reported in one line
        if os.environ.get("MISSKEY_GENERATOR_TRACEBACK"):  # for whoever debugs the generator
            raise
        print(
            f"error: the generator failed unexpectedly ({type(exc).__name__}: {exc}); "
            "please report this with the spec you used",
            file=sys.stderr,
        )
    return None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="misskey-generator-") as tmp:
        generation = _generate(args, Path(tmp))
        if generation is None:
            return 1
        for warning in generation.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print("generation report:", file=sys.stderr)
        for line in generation.report.lines():
            print(f"  {line}", file=sys.stderr)
        if args.strict and generation.report.degraded:
            print(
                f"error: --strict: {len(generation.report.degraded)} parts of the spec could not be typed "
                "(listed above); nothing was written",
                file=sys.stderr,
            )
            return 1
        package, permissions = generation.package, generation.permissions
        if args.check:
            differences = postprocess.diff_trees(package, args.output)
            if permissions.read_bytes() != (PERMISSIONS.read_bytes() if PERMISSIONS.exists() else b""):
                differences.append(f"~ {PERMISSIONS.relative_to(ROOT)}")
            reference = REFERENCE.relative_to(ROOT)
            differences += [
                f"{d[:2]}{reference / d[2:]}" for d in postprocess.diff_trees(generation.reference, REFERENCE)
            ]
            if differences:
                print("the committed generated code differs from a fresh generation:", file=sys.stderr)
                for line in differences[:50]:
                    print(f"  {line}", file=sys.stderr)
                print("run `make generate` and commit the result", file=sys.stderr)
                return 1
            print("generated code is up to date", file=sys.stderr)
            return 0
        postprocess.install_tree(package, args.output)
        # The permission list belongs to misskey_auth; a generation elsewhere puts it beside the package.
        target = PERMISSIONS if args.output == GENERATED else args.output.parent / "_permissions.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(permissions.read_bytes())
        postprocess.install_tree(
            generation.reference, REFERENCE if args.output == GENERATED else args.output.parent / "reference"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
