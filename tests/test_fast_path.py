"""A model's ``from_dict`` has two paths: a fast one for a JSON object with every required property, which
fills a new instance in place, and the careful one (any other mapping, a subclass, a missing property).
They must give the same models and the same errors."""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

import attrs
import pytest

from misskey_client import UNSET, ResponseParseError, strict_parsing
from misskey_client.models import Note, NoteReactions, UserLite
from misskey_core._parsing import collect_drift

TIMELINE = Path(__file__).parent.parent / "bench" / "data" / "notes-timeline-100.json"


def _notes() -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = json.loads(TIMELINE.read_bytes())
    assert len(notes) == 100
    return notes


def _plain_note() -> dict[str, Any]:
    """A recorded note with no renote, reply, poll or files: most optional properties absent."""
    return next(n for n in _notes() if not ({"renote", "reply", "poll"} & n.keys()) and not n["files"])


def test_fast_and_careful_paths_agree_on_every_recorded_note() -> None:
    with strict_parsing():
        for data in _notes():
            fast = Note.from_dict(data)
            careful = Note.from_dict(MappingProxyType(data))  # not a dict: the careful path
            assert fast == careful
            assert Note.from_dict(fast.to_dict()) == fast  # (to_dict writes timestamps as +00:00, not Z)


def test_absent_optional_properties_are_unset_on_both_paths() -> None:
    data = _plain_note()
    for parsed in (Note.from_dict(data), Note.from_dict(MappingProxyType(data))):
        assert parsed.reply is UNSET and parsed.renote is UNSET and parsed.poll is UNSET
        assert parsed.deleted_at is UNSET and parsed.channel is UNSET
        assert parsed.additional_properties == {}


def test_unknown_properties_are_found_among_absent_optional_ones() -> None:
    # The fast path counts the optional properties it finds; an unknown one shows in the length.
    data = dict(_plain_note(), brandNewField=[1, 2])
    with strict_parsing(False):
        note = Note.from_dict(data)
    assert note.additional_properties == {"brandNewField": [1, 2]}
    assert note.to_dict()["brandNewField"] == [1, 2]
    with strict_parsing(), pytest.raises(ResponseParseError, match=r"Note: unknown properties \['brandNewField'\]"):
        Note.from_dict(data)


def test_a_missing_required_property_takes_the_careful_path() -> None:
    data = _plain_note()
    del data["reactionCount"]
    with strict_parsing(False):
        assert cast(object, Note.from_dict(data).reaction_count) is UNSET  # required, but left out
    with strict_parsing(), pytest.raises(ResponseParseError, match="required property 'reactionCount' is missing"):
        Note.from_dict(data)


def test_an_unknown_enum_value_is_kept_or_refused() -> None:
    data = dict(_plain_note(), visibility="circle")
    with strict_parsing(False):
        assert str(Note.from_dict(data).visibility) == "circle"  # a value the spec does not know
    with strict_parsing(), pytest.raises(ResponseParseError, match="unexpected value 'circle'"):
        Note.from_dict(data)


@attrs.define
class _TaggedNote(Note):
    tag: str = "mine"


def test_a_subclass_is_built_through_its_init() -> None:
    data = _plain_note()
    note = _TaggedNote.from_dict(data)
    assert type(note) is _TaggedNote
    assert note.tag == "mine"  # set by __init__, which the fast path would skip
    assert note.id == data["id"]


@pytest.mark.parametrize("value", [{}, "", {"a": 1}, None, 0])
def test_a_list_of_models_must_be_a_list(value: object) -> None:
    # A dict or a string would iterate; only a list is one. Lenient parsing keeps the odd value as it
    # came (never iterated into a wrong list) and notes it; strict parsing says where it is.
    data = dict(_plain_note()["user"], avatarDecorations=value)
    with collect_drift() as drift:
        user = UserLite.from_dict(data)
    assert user.avatar_decorations is value and user.username == data["username"]
    assert drift == [
        f"UserLite at $.avatarDecorations: TypeError: avatarDecorations: expected a list, not {type(value).__name__}"
    ]
    with strict_parsing(), pytest.raises(ResponseParseError, match=r"UserLite at \$\.avatarDecorations") as excinfo:
        UserLite.from_dict(data)
    assert excinfo.value.json_path == "$.avatarDecorations"


@pytest.mark.parametrize("value", [[], "ab", [["k", 1]], None, 3])
def test_a_map_must_be_an_object(value: object) -> None:
    with pytest.raises(ResponseParseError, match="NoteReactions"):
        NoteReactions.from_dict(value)  # type: ignore[arg-type]
    with pytest.raises(ResponseParseError, match="Note"):
        Note.from_dict(dict(_plain_note(), reactions=value))


def test_parsing_shares_lists_and_maps_with_the_input() -> None:
    # Documented: from_dict does not copy what it can take as it is (a fresh json.loads result is no one
    # else's); lists of models are new lists unless empty.
    data = _plain_note()
    note = Note.from_dict(data)
    assert note.reactions.additional_properties is data["reactions"]
    assert note.file_ids is data["fileIds"]
    assert note.user.avatar_decorations is data["user"]["avatarDecorations"] == []
    other = Note.from_dict(MappingProxyType(data))
    assert other.reactions.additional_properties == data["reactions"]


def test_a_non_dict_mapping_gives_a_model_with_a_dict() -> None:
    reactions = NoteReactions.from_dict(MappingProxyType({"👍": 2}))
    assert type(reactions.additional_properties) is dict
    assert reactions["👍"] == 2
