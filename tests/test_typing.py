"""Types a checker sees, proved by mypy in CI (``make lint``): never run, only type-checked.

``assert_type`` fails the lint if the generated signatures stop narrowing as promised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import assert_type

    from misskey_client import AsyncMisskey, Misskey
    from misskey_client.models import MeDetailed, NotesTranslateResponse, UserDetailedNotMe

    def users_show_is_narrowed_by_its_arguments(mk: Misskey) -> None:
        # users/show answers one user for user_id or username, a list for user_ids (as misskey-js types it).
        assert_type(mk.users.show(user_id="x"), UserDetailedNotMe | MeDetailed)
        assert_type(mk.users.show(username="syuilo", host=None), UserDetailedNotMe | MeDetailed)
        assert_type(mk.users.show(user_ids=["x", "y"]), list[MeDetailed | UserDetailedNotMe])

    async def the_async_client_too(amk: AsyncMisskey) -> None:
        assert_type(await amk.users.show(user_id="x"), UserDetailedNotMe | MeDetailed)
        assert_type(await amk.users.show(user_ids=["x"]), list[MeDetailed | UserDetailedNotMe])

    def every_success_status_is_typed(mk: Misskey) -> None:
        assert_type(mk.notes.translate(note_id="x", target_lang="en"), NotesTranslateResponse | None)  # 200 or 204
        assert_type(mk.notes.polls.vote(note_id="x", choice=0), None)  # 204

    def the_functions_too(mk: Misskey) -> None:
        from misskey_client.api.users import users_show

        assert_type(users_show.sync(client=mk, user_ids=["x"]), list[MeDetailed | UserDetailedNotMe])
        assert_type(users_show.sync(client=mk, user_id="x"), UserDetailedNotMe | MeDetailed)
