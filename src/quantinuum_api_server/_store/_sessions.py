"""The login sessions of `Store`: refresh-token families, kept as hashes (each token's
successor, when it was spent and by whom), so a spent token presented again revokes its
session unless it is a retry of a lost reply."""

from __future__ import annotations

from typing import Any

from ._database import Database

__all__ = ["SessionStore"]


class SessionStore(Database):
    """Login sessions and their refresh tokens."""

    def start_session(
        self, session: str, user_id: int, token_hash: str, now: float, idle: float, life: float
    ) -> None:
        """A new session of `user_id` (ending at `now + life`) with its first token.
        Expired tokens and sessions are deleted on the way (presenting one is refused
        either way)."""
        with self.transaction() as db:
            db.execute("DELETE FROM session_tokens WHERE expires < ?", (now,))
            db.execute(
                "DELETE FROM sessions WHERE expires < ? AND NOT EXISTS"
                " (SELECT 1 FROM session_tokens WHERE session = sessions.id)",
                (now,),
            )
            db.execute(
                "INSERT INTO sessions (id, user_id, created, expires) VALUES (?, ?, ?, ?)",
                (session, user_id, now, now + life),
            )
            db.execute(
                "INSERT INTO session_tokens (token_hash, session, expires) VALUES (?, ?, ?)",
                (token_hash, session, min(now + idle, now + life)),
            )

    def rotate_refresh_token(
        self,
        token_hash: str,
        new_hash: str,
        now: float,
        idle: float,
        grace: float,
        *,
        presenter: str = "",
        known: tuple[str, ...] = (),
    ) -> tuple[str, dict[str, Any] | None]:
        """Spend a refresh token and store its successor `new_hash`, in one transaction.

        ("ok", session) on success, where `session["successor"]` is the successor's hash
        and `session["issued"]` the time the token was first spent; ("reused", None) after
        revoking the session (the whole family) when the token was spent before and this
        is not a retry; ("invalid", None) for an unknown, expired or revoked one.

        The successor of a token is fixed (the caller derives it from the token): a
        presentation of a spent token is a *retry* of a lost reply, answered with the same
        successor (`new_hash`, or one of `known`, the successors derived under older
        keys), when it comes within `grace` seconds of the first use, from the same
        `presenter` (client address), and that successor was never spent. Any other
        presentation of a spent token is reuse.
        """
        with self.transaction() as db:
            row = db.execute(
                "SELECT t.*, s.user_id, s.revoked, s.expires AS ends FROM session_tokens t"
                " JOIN sessions s ON s.id = t.session WHERE t.token_hash = ?",
                (token_hash,),
            ).fetchone()
            if row is None or row["revoked"] or min(row["expires"], row["ends"]) <= now:
                return "invalid", None
            session = {"id": row["session"], "user_id": row["user_id"], "expires": row["ends"]}
            if row["used"] is None and not row["superseded"]:
                db.execute(
                    "UPDATE session_tokens SET used = ?, replaced_by = ?, presenter = ?"
                    " WHERE token_hash = ?",
                    (now, new_hash, presenter, token_hash),
                )
                db.execute(
                    "INSERT INTO session_tokens (token_hash, session, expires) VALUES (?, ?, ?)",
                    (new_hash, row["session"], min(now + idle, row["ends"])),
                )
                return "ok", {**session, "successor": new_hash, "issued": now}
            successor = row["replaced_by"]
            child = None
            if successor in (new_hash, *known) and not row["superseded"]:
                child = db.execute(
                    "SELECT used, expires FROM session_tokens WHERE token_hash = ?", (successor,)
                ).fetchone()
            retry = (
                child is not None
                and child["used"] is None
                and child["expires"] > now
                and row["presenter"] == presenter
                and now - row["used"] <= grace
            )
            if not retry:
                db.execute("UPDATE sessions SET revoked = 1 WHERE id = ?", (row["session"],))
                return "reused", None
        return "ok", {**session, "successor": successor, "issued": row["used"]}

    def session_user(self, session: str, now: float) -> dict[str, Any] | None:
        """The user of a live (not revoked, not expired) session, else None."""
        return self._one(
            "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id"
            " WHERE sessions.id = ? AND sessions.revoked = 0 AND sessions.expires > ?",
            (session, now),
        )

    def live_sessions(self, sessions: set[str], now: float) -> set[str]:
        """Which of `sessions` are live (not revoked, not expired)."""
        ids = sorted(sessions)
        live: set[str] = set()
        for start in range(0, len(ids), 500):  # SQLite's bound on parameters
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._read(
                f"SELECT id FROM sessions WHERE id IN ({marks})"  # noqa: S608 - marks only
                " AND revoked = 0 AND expires > ?",
                (*part, now),
            )
            live.update(str(row[0]) for row in rows)
        return live

    def revoke_session(self, session: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE sessions SET revoked = 1 WHERE id = ?", (session,))

    def revoke_user_sessions(self, email: str) -> int:
        """Revoke every session of the user `email`; how many were live. KeyError when
        there is no such user."""
        with self.transaction() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
            if row is None:
                raise KeyError(email)
            cursor = db.execute(
                "UPDATE sessions SET revoked = 1 WHERE user_id = ? AND revoked = 0",
                (row["id"],),
            )
            return cursor.rowcount
