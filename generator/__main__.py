"""``python -m generator``: fetch -> clean -> render -> post-process.

python -m generator                      # the pinned spec (generator/specs/)
python -m generator --url misskey.example  # an instance's /api.json
python -m generator --spec api.json      # a file
python -m generator --check              # compare a fresh generation with the committed tree
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from . import clean as clean_stage
from . import fetch, patches, postprocess, render
from .errors import GeneratorError

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated" / render.PACKAGE
PERMISSIONS = ROOT / "auth" / "misskey_auth" / "_permissions.py"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--url", help="a Misskey instance (https://host); its /api.json is downloaded")
    source.add_argument("--spec", type=Path, help="an OpenAPI JSON file")
    parser.add_argument("--check", action="store_true", help="fail if the committed tree differs")
    parser.add_argument("--output", type=Path, default=GENERATED, help="where the package goes")
    parser.add_argument("--timeout", type=float, default=30.0, help="download timeout in seconds")
    return parser


def generate(args: argparse.Namespace, work: Path) -> tuple[Path, Path, list[str]]:
    raw, source = fetch.load_spec(url=args.url, path=args.spec, timeout=args.timeout)
    patches.apply_patches(raw)
    cleaned = clean_stage.clean(raw)
    out = work / "out"
    result = render.render(cleaned, out)
    for relative, content in result.files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    (out / render.PACKAGE / "py.typed").write_text("", encoding="utf-8")
    postprocess.format_tree(out)
    postprocess.add_headers(out)
    print(f"generated {len(result.endpoints)} endpoints from {source}", file=sys.stderr)
    return out / render.PACKAGE, out / "misskey_auth" / "_permissions.py", cleaned.warnings + result.warnings


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="misskey-generator-") as tmp:
        try:
            package, permissions, warnings = generate(args, Path(tmp))
        except GeneratorError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if args.check:
            differences = postprocess.diff_trees(package, args.output)
            if permissions.read_bytes() != (PERMISSIONS.read_bytes() if PERMISSIONS.exists() else b""):
                differences.append(f"~ {PERMISSIONS.relative_to(ROOT)}")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
