"""Errors the generator reports to its user, each with a message that says what to do."""

from __future__ import annotations

__all__ = ["GeneratorError", "SpecError", "SpecFetchError"]


class GeneratorError(Exception):
    """Base class: the generator stops with this message and exit status 1."""


class SpecFetchError(GeneratorError):
    """The spec could not be downloaded or read (bad host, not Misskey, HTML, invalid JSON)."""


class SpecError(GeneratorError):
    """The document was read but is not an OpenAPI 3 spec the generator can use."""
