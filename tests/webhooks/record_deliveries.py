"""Record the webhook deliveries the replay tests play back, from a real Misskey server.

    export MISSKEY_URL=http://127.0.0.1:3000
    export MISSKEY_ADMIN_TOKEN=... MISSKEY_USER_TOKEN=... MISSKEY_USER2_TOKEN=...
    .venv/bin/python -m tests.webhooks.record_deliveries

The server must be allowed to deliver to loopback (``allowedPrivateNetworks: ['127.0.0.0/8']`` in
its config). A receiver on ``127.0.0.1`` (a free port) keeps every request exactly as it arrived;
the script drives the server through the client: alice (MISSKEY_USER_TOKEN) owns a user webhook
subscribed to every event, bob (MISSKEY_USER2_TOKEN) replies, renotes, quotes, mentions, follows and
reacts, and the admin owns a system webhook subscribed to every system event, creates an account
and resolves bob's abuse report. Then every ``i/webhooks/test`` and ``admin/system-webhook/test``
type is fired. One delivery is answered 503 so the server's redelivery is recorded too.

Each delivery is written to ``deliveries/<name>.json`` (method, path, headers in the order and case
they arrived, and the body as the exact text sent), with each webhook secret replaced by the
placeholder the tests configure (``SECRETS``). ``deliveries/absent.json`` lists what was triggered
and never delivered. The script refuses to write a file in which a token or secret survived, and
leaves the server as it found it (hooks, notes and the new account deleted, follows restored).
"""

from __future__ import annotations

import http.server
import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from misskey_client import Misskey, MisskeyAPIError
from misskey_client.models import SystemWebhookOnItem, UserWebhookOnItem

OUT = Path(__file__).parent / "deliveries"
#: The placeholders that stand for the webhook secrets in the fixtures (and in the replay tests).
SECRETS = {"user": "REDACTED-webhook-secret", "system": "REDACTED-system-webhook-secret"}
USER_EVENTS: list[UserWebhookOnItem] = [
    "mention",
    "unfollow",
    "follow",
    "followed",
    "note",
    "reply",
    "renote",
    "reaction",
]
SYSTEM_EVENTS: list[SystemWebhookOnItem] = [
    "abuseReport",
    "abuseReportResolved",
    "userCreated",
    "inactiveModeratorsWarning",
    "inactiveModeratorsInvitationOnlyChanged",
]
#: A note whose text holds this is answered 503 once, so the server delivers it again.
REDELIVER = "please deliver this twice"
#: How long to wait for a delivery that is not supposed to come.
QUIET = 10.0


@dataclass
class Delivery:
    path: str
    method: str
    headers: list[tuple[str, str]]
    body: str
    answered: int = 200

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A loopback HTTP server that keeps every request; answers 200, or 503 the first time for REDELIVER."""

    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                delivery = Delivery(self.path, self.command, list(self.headers.items()), raw.decode("utf-8"))
                with receiver.lock:
                    first = not any(REDELIVER in d.body for d in receiver.deliveries)
                    if REDELIVER in delivery.body and first:
                        delivery.answered = 503
                    receiver.deliveries.append(delivery)
                body = b'{"ok":true}' if delivery.answered == 200 else b'{"error":"try again"}'
                self.send_response(delivery.answered)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                print("  receiver:", format % args, file=sys.stderr)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, what: str, match: Callable[[Delivery], bool], timeout: float = 30.0, since: int = 0) -> Delivery:
        """The latest delivery (from number ``since`` on) that matches; waits for one up to ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [d for d in self.deliveries[since:] if match(d)]
            if found:
                return found[-1]
            time.sleep(0.1)
        raise SystemExit(f"no delivery for {what} within {timeout:.0f} s")

    def none(self, match: Callable[[Delivery], bool], timeout: float = QUIET, since: int = 0) -> bool:
        """Whether no delivery (from number ``since`` on) matches after waiting ``timeout``."""
        time.sleep(timeout)
        with self.lock:
            return not any(match(d) for d in self.deliveries[since:])


def _of(path: str, type_: str, **body: Any) -> Callable[[Delivery], bool]:
    """Matches a delivery to ``path`` of event ``type_`` whose body holds ``body`` (dotted keys)."""

    def match(d: Delivery) -> bool:
        if d.path != path:
            return False
        envelope = d.json()
        if envelope.get("type") != type_:
            return False
        for dotted, expected in body.items():
            value: Any = envelope["body"]
            for key in dotted.split("__"):
                value = value.get(key) if isinstance(value, dict) else None
            if value != expected:
                return False
        return True

    return match


class Recording:
    def __init__(self, url: str, tokens: dict[str, str]) -> None:
        self.tokens = tokens
        self.admin = Misskey(url, token=tokens["admin"])
        self.alice = Misskey(url, token=tokens["alice"])
        self.bob = Misskey(url, token=tokens["bob"])
        self.receiver = Receiver()
        self.secrets = {"user": secrets.token_urlsafe(24), "system": secrets.token_urlsafe(24)}
        self.fixtures: dict[str, dict[str, Any]] = {}
        self.absent: dict[str, str] = {}
        self.cleanup: list[Callable[[], object]] = []

    def keep(self, name: str, trigger: str, *deliveries: Delivery) -> None:
        self.fixtures[name] = {"trigger": trigger, "deliveries": deliveries}
        print(f"recorded {name}: {trigger}", file=sys.stderr)

    def run(self) -> None:
        base = self.receiver.start()
        try:
            self._user_events(base)
            self._system_events(base)
        finally:
            for undo in reversed(self.cleanup):
                try:
                    undo()
                except MisskeyAPIError as e:
                    print(f"cleanup: {e}", file=sys.stderr)
            self.receiver.stop()

    @staticmethod
    def _follows(mk: Misskey, user_id: str) -> bool:
        relation = mk.request("users/relation", {"userId": user_id})
        relation = relation[0] if isinstance(relation, list) else relation
        return bool(relation["isFollowing"])

    def _user_events(self, base: str) -> None:
        alice_id, bob_id = self.alice.i().id, self.bob.i().id
        alice_follows_bob = self._follows(self.alice, bob_id)
        hook = self.alice.i.webhooks.create(
            name="webhook recorder", url=f"{base}/user", secret=self.secrets["user"], on=USER_EVENTS
        )
        self.cleanup.append(lambda: self.alice.i.webhooks.delete(webhook_id=hook.id))
        time.sleep(1.0)  # the server learns of the new hook through redis
        rx = self.receiver

        note = self.alice.notes.create(text="webhook recorder: a note by alice").created_note
        self.cleanup.append(lambda: self.alice.notes.delete(note_id=note.id))
        self.keep("note", "alice posts a note", rx.wait("note", _of("/user", "note", note__id=note.id)))

        reply = self.bob.notes.create(text="webhook recorder: bob replies", reply_id=note.id).created_note
        self.cleanup.append(lambda: self.bob.notes.delete(note_id=reply.id))
        self.keep("reply", "bob replies to alice's note", rx.wait("reply", _of("/user", "reply", note__id=reply.id)))

        renote = self.bob.notes.create(renote_id=note.id).created_note
        self.cleanup.append(lambda: self.bob.notes.delete(note_id=renote.id))
        self.keep("renote", "bob renotes alice's note", rx.wait("renote", _of("/user", "renote", note__id=renote.id)))

        quote = self.bob.notes.create(text="webhook recorder: bob quotes", renote_id=note.id).created_note
        self.cleanup.append(lambda: self.bob.notes.delete(note_id=quote.id))
        self.keep(
            "renote_quote",
            "bob quotes alice's note (a renote with text)",
            rx.wait("quote", _of("/user", "renote", note__id=quote.id)),
        )

        mention = self.bob.notes.create(text="@alice webhook recorder: bob mentions alice").created_note
        self.cleanup.append(lambda: self.bob.notes.delete(note_id=mention.id))
        self.keep(
            "mention", "bob mentions @alice in a note", rx.wait("mention", _of("/user", "mention", note__id=mention.id))
        )

        if alice_follows_bob:
            self.alice.following.delete(user_id=bob_id)
            self.keep("unfollow", "alice unfollows bob", rx.wait("unfollow", _of("/user", "unfollow", user__id=bob_id)))
            self.alice.following.create(user_id=bob_id)
            self.keep("follow", "alice follows bob", rx.wait("follow", _of("/user", "follow", user__id=bob_id)))
        else:
            self.alice.following.create(user_id=bob_id)
            self.keep("follow", "alice follows bob", rx.wait("follow", _of("/user", "follow", user__id=bob_id)))
            self.alice.following.delete(user_id=bob_id)
            self.keep("unfollow", "alice unfollows bob", rx.wait("unfollow", _of("/user", "unfollow", user__id=bob_id)))

        bob_follows_alice = self._follows(self.bob, alice_id)
        if bob_follows_alice:
            self.bob.following.delete(user_id=alice_id)
            self.cleanup.append(lambda: self.bob.following.create(user_id=alice_id))
        self.bob.following.create(user_id=alice_id)
        self.keep("followed", "bob follows alice", rx.wait("followed", _of("/user", "followed", user__id=bob_id)))
        if not bob_follows_alice:
            self.bob.following.delete(user_id=alice_id)

        self.bob.notes.reactions.create(note_id=note.id, reaction="👍")
        if not rx.none(_of("/user", "reaction")):
            raise SystemExit("the server delivered a reaction: record it as a fixture and type it")
        self.absent["reaction"] = (
            f"bob reacted to alice's note (notes/reactions/create) and no delivery came within {QUIET:.0f} s: "
            "core/ReactionService.ts:106 (create) never enqueues a webhook (the file has no webhook call at all), "
            "and core/UserWebhookService.ts:17-26 gives 'reaction' no payload type (never), although "
            "models/Webhook.ts:10 lets a hook subscribe to it"
        )

        # Answered 503 the first time: the server's retry (a minute later) must carry the same eventId.
        again = self.alice.notes.create(text=f"webhook recorder: {REDELIVER}").created_note
        self.cleanup.append(lambda: self.alice.notes.delete(note_id=again.id))
        first = rx.wait("the first delivery", _of("/user", "note", note__id=again.id))
        print("waiting for the redelivery (the server's first retry comes after 60 to 72 s)", file=sys.stderr)
        since = rx.deliveries.index(first) + 1
        second = rx.wait("the redelivery", _of("/user", "note", note__id=again.id), timeout=150, since=since)
        if first.json()["eventId"] != second.json()["eventId"]:
            raise SystemExit("a redelivery with a new eventId: deduplication by eventId would not work")
        self.keep("note_redelivered", "alice posts a note; the receiver answers 503, the server retries", first, second)

        for type_ in USER_EVENTS:
            before = len(rx.deliveries)
            self.alice.i.webhooks.test(webhook_id=hook.id, type=type_)
            if type_ == "reaction":
                if not rx.none(lambda d: True, since=before):
                    raise SystemExit("i/webhooks/test delivered a reaction: record it")
                self.absent["test:reaction"] = (
                    f"i/webhooks/test type=reaction delivered nothing within {QUIET:.0f} s: "
                    "core/WebhookTestService.ts:244-246 returns without sending ('not implemented yet', #9485)"
                )
                continue
            delivery = rx.wait(f"i/webhooks/test {type_}", _of("/user", type_), since=before)
            self.keep(f"test_{type_}", f"i/webhooks/test type={type_} (dummy payload)", delivery)

    def _system_events(self, base: str) -> None:
        rx = self.receiver
        hook = self.admin.admin.system_webhook.create(
            is_active=True,
            name="webhook recorder",
            on=SYSTEM_EVENTS,
            url=f"{base}/system",
            secret=self.secrets["system"],
        )
        self.cleanup.append(lambda: self.admin.admin.system_webhook.delete(id=hook.id))
        time.sleep(1.0)

        username = f"whrec{secrets.token_hex(4)}"
        account = self.admin.admin.accounts.create(username=username, password=secrets.token_urlsafe(16))
        self.cleanup.append(lambda: self.admin.admin.delete_account(user_id=account.id))
        self.keep(
            "user_created",
            "the admin creates an account (admin/accounts/create)",
            rx.wait("userCreated", _of("/system", "userCreated", id=account.id)),
        )

        alice_id = self.alice.i().id
        comment = f"webhook recorder: bob reports alice {secrets.token_hex(4)}"
        self.bob.users.report_abuse(user_id=alice_id, comment=comment)
        report = rx.wait("abuseReport", _of("/system", "abuseReport", comment=comment))
        self.keep("abuse_report", "bob reports alice (users/report-abuse)", report)
        report_id = report.json()["body"]["id"]
        self.admin.admin.resolve_abuse_user_report(report_id=report_id, resolved_as="accept")
        self.keep(
            "abuse_report_resolved",
            "the admin resolves bob's report as accepted (admin/resolve-abuse-user-report)",
            rx.wait("abuseReportResolved", _of("/system", "abuseReportResolved", id=report_id)),
        )

        for type_ in SYSTEM_EVENTS:
            before = len(rx.deliveries)
            self.admin.admin.system_webhook.test(webhook_id=hook.id, type=type_)
            delivery = rx.wait(f"admin/system-webhook/test {type_}", _of("/system", type_), since=before)
            snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in type_)
            self.keep(f"system_test_{snake}", f"admin/system-webhook/test type={type_} (dummy payload)", delivery)
        self.absent["inactiveModeratorsWarning"] = (
            "recorded from admin/system-webhook/test only: the hourly job (core/QueueService.ts:79-81) sends it "
            "(queue/processors/CheckModeratorsActivityProcessorService.ts:139-146, enqueued at :234) only once "
            "the most recently active moderator has been inactive 5 of the 7 days (:20-22), which a recording "
            "cannot wait for"
        )
        self.absent["inactiveModeratorsInvitationOnlyChanged"] = (
            "recorded from admin/system-webhook/test only: queue/processors/CheckModeratorsActivityProcessorService.ts"
            ":132-135 sends it (enqueued at :267) after every moderator has been inactive for 7 days (:20), and only "
            "after switching the server to invitation-only (:212), which the shared test server must not be"
        )

    def write(self) -> None:
        forbidden = [*self.tokens.values(), *self.secrets.values()]
        OUT.mkdir(exist_ok=True)
        for old in OUT.glob("*.json"):
            old.unlink()
        for name, fixture in sorted(self.fixtures.items()):
            deliveries = []
            for d in fixture["deliveries"]:
                kind = d.path.strip("/")
                headers = [[k, SECRETS[kind] if k.lower() == "x-misskey-hook-secret" else v] for k, v in d.headers]
                if [v for k, v in d.headers if k.lower() == "x-misskey-hook-secret"] != [self.secrets[kind]]:
                    raise SystemExit(f"{name}: the delivery does not carry its hook's secret once")
                request = {"method": d.method, "path": d.path, "headers": headers, "body": d.body}
                deliveries.append({"answered": d.answered, "request": request})
            text = json.dumps({"trigger": fixture["trigger"], "deliveries": deliveries}, indent=2, ensure_ascii=False)
            if any(secret in text for secret in forbidden):
                raise SystemExit(f"{name}: a token or secret survived; nothing written for it")
            (OUT / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        (OUT / "absent.json").write_text(json.dumps(self.absent, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {len(self.fixtures)} fixtures to {OUT}", file=sys.stderr)


def main() -> None:
    names = {"admin": "MISSKEY_ADMIN_TOKEN", "alice": "MISSKEY_USER_TOKEN", "bob": "MISSKEY_USER2_TOKEN"}
    missing = [v for v in ("MISSKEY_URL", *names.values()) if not os.environ.get(v)]
    if missing:
        raise SystemExit(f"set {', '.join(missing)}")
    recording = Recording(os.environ["MISSKEY_URL"], {who: os.environ[var] for who, var in names.items()})
    recording.run()
    recording.write()


if __name__ == "__main__":
    main()
