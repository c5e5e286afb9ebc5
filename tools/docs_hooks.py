"""mkdocs hooks (``mkdocs.yml``): the navigation of the pages that come and go.

The reference pages are written by the generator (``make generate``), one per namespace and one per
model group; their list follows the spec, so the navigation is made from the files, not kept by hand.
Guides written elsewhere (webhooks, the command line) join the navigation once their page exists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["on_config"]

#: Guides that join the Guides section once their page exists, after the page named.
OPTIONAL_GUIDES = [
    ("Webhooks", "guides/webhooks.md", "guides/streaming.md"),
    ("The command line", "guides/cli.md", "guides/tokens.md"),
]


def _title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return re.sub(r"\s*\{#[^}]*\}$", "", line[2:]).strip()  # without its attr_list anchor
    return page.stem


def _section(nav: list[Any], title: str) -> list[Any]:
    for item in nav:
        if isinstance(item, dict) and title in item:
            section: list[Any] = item[title]
            return section
    raise ValueError(f"mkdocs.yml has no {title!r} section in its nav")


def on_config(config: Any, **kwargs: Any) -> Any:
    docs = Path(config["docs_dir"])
    nav = config["nav"]
    guides = _section(nav, "Guides")
    for title, page, after in OPTIONAL_GUIDES:
        if (docs / page).exists():
            where = next((i for i, g in enumerate(guides) if after in g.values()), len(guides) - 1)
            guides.insert(where + 1, {title: page})
    reference = _section(nav, "Reference")
    namespaces = sorted(p for p in (docs / "reference").glob("*.md") if p.name != "index.md")
    models = sorted((docs / "reference" / "models").glob("*.md"))
    reference.append({"Endpoints": [{_title(p): f"reference/{p.name}"} for p in namespaces]})
    reference.append({"Models": [{_title(p): f"reference/models/{p.name}"} for p in models]})
    return config
