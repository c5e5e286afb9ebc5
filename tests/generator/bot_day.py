"""A short bot day through whatever client is importable as ``misskey_client``: the same calls on any server.

Run by ``tests/generator/replay.py`` in a process whose ``misskey_client`` was generated from one
server's spec (a fork, another release), against that server's recording. Only facade calls with
keyword arguments and plain mappings are used, so nothing depends on the model names of a spec.
"""

from __future__ import annotations

from typing import Any

from misskey_client import EndpointNotSupportedError, MisskeyAPIError

__all__ = ["bot_day"]

#: A file whose bytes only this test uploads (Misskey dedups identical uploads per user).
UPLOAD = b"misskey-client bot day: a plain text upload\n"


def _value(model: Any, key: str) -> Any:
    """A property by its JSON name: an attribute where the spec types it, an item where it does not
    (13.x declares ``Note.poll`` as a free-form object)."""
    attribute = "".join("_" + c.lower() if c.isupper() else c for c in key)
    return getattr(model, attribute) if hasattr(model, attribute) else model[key]


def _fork_step(alice: Any, software: str, note_id: str) -> dict[str, Any]:
    """One endpoint the server has and Misskey 2026.3.2 does not (or, upstream, a newer one it lacks)."""
    if software == "sharkey":
        edited = alice.notes.edit(edit_id=note_id, text="bot day, edited").created_note
        versions = alice.notes.versions(note_id=note_id)
        return {"endpoint": "notes/edit", "text": edited.text, "versions": len(versions)}
    if software == "cherrypick":
        # CherryPick's spec says 204; the server answers {"updatedNote": ...}, which comes back untyped.
        answer = alice.notes.update(note_id=note_id, text="bot day, edited", cw=None)
        history = alice.notes.history(note_id=note_id)
        return {
            "endpoint": "notes/update",
            "answer": sorted(answer) if isinstance(answer, dict) else answer,
            "text": alice.notes.show(note_id=note_id).text,
            "history": len(history),
        }
    # An upstream release: an endpoint of a newer Misskey is refused by name, before and after asking.
    newer = "notes/drafts/create"
    supported = alice.supports(newer)
    try:
        alice.request(newer, {"text": "draft"})
    except EndpointNotSupportedError as exc:
        return {"endpoint": newer, "supported": supported, "error": type(exc).__name__, "version": exc.server_version}
    raise AssertionError(f"{newer} was accepted by an older release")


def bot_day(alice: Any, bob: Any) -> dict[str, Any]:
    """i, a note with a poll, show, timeline, a reaction, users/show, an upload, an error, a fork's endpoint."""
    day: dict[str, Any] = {}
    server = alice.server
    day["server"] = [server.software, server.version]
    me = alice.i()
    day["i"] = [me.username, type(me).__name__]
    note = alice.notes.create(text="bot day: tea or coffee?", poll={"choices": ["tea", "coffee"]}).created_note
    day["poll"] = [_value(choice, "text") for choice in _value(note.poll, "choices")]
    day["show"] = alice.notes.show(note_id=note.id).text
    day["in_timeline"] = note.id in [n.id for n in alice.notes.timeline(limit=10)]
    assert bob.notes.reactions.create(note_id=note.id, reaction="👍") is None
    day["reactions"] = [[r.type, r.user.username] for r in alice.notes.reactions(note_id=note.id)]
    day["users_show"] = alice.users.show(username="bob").username
    uploaded = alice.drive.files.create(file=UPLOAD, name="bot-day.txt")
    day["upload"] = [uploaded.name, uploaded.size, uploaded.type]
    try:
        alice.notes.show(note_id="0000000000")
    except MisskeyAPIError as exc:
        day["error"] = [exc.status_code, exc.code, type(exc).__name__]  # a class of the server's own spec
    day["fork"] = _fork_step(alice, server.software or "misskey", note.id)
    assert alice.notes.delete(note_id=note.id) is None
    return day
