"""The users of `Store`: accounts (e-mail, password hash, sealed TOTP secret and the
last TOTP step used) and federated identities (issuer, subject -> user)."""

from __future__ import annotations

import time
from typing import Any

from ._database import Database, decode

__all__ = ["UserStore"]


class UserStore(Database):
    """Users and their federated identities."""

    def add_user(self, email: str, password_hash: str | None, totp_secret: str | None) -> int:
        """Create a user, or replace the credentials of an existing one; its id."""
        with self.transaction() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
            if row is not None:
                db.execute(
                    "UPDATE users SET password_hash = ?, totp_secret = ?, totp_last_step = 0"
                    " WHERE id = ?",
                    (password_hash, totp_secret, row["id"]),
                )
                # A reset credential ends every session started with the old one.
                db.execute("UPDATE sessions SET revoked = 1 WHERE user_id = ?", (row["id"],))
                return int(row["id"])
            cursor = db.execute(
                "INSERT INTO users (email, password_hash, totp_secret, created)"
                " VALUES (?, ?, ?, ?)",
                (email, password_hash, totp_secret, time.time()),
            )
            return int(cursor.lastrowid or 0)

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM users WHERE email = ?", (email,))

    def user_by_id(self, user_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM users WHERE id = ?", (user_id,))

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def claim_totp_step(self, user_id: int, step: int) -> bool:
        """Record TOTP time step `step` as used; False when it (or a later one) was used."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
                (step, user_id, step),
            )
            return cursor.rowcount == 1

    def users_with_totp(self) -> list[tuple[int, str]]:
        rows = self._read("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
        return [(int(r[0]), str(r[1])) for r in rows]

    def set_totp_secret(self, user_id: int, sealed: str, *, only_if: str | None = None) -> None:
        """Store a (sealed) TOTP secret; with `only_if`, only over that exact value."""
        sql = "UPDATE users SET totp_secret = ? WHERE id = ?"
        args: tuple[Any, ...] = (sealed, user_id)
        if only_if is not None:
            sql += " AND totp_secret = ?"
            args += (only_if,)
        with self.transaction() as db:
            db.execute(sql, args)

    # -- federated identities -----------------------------------------------------------
    def user_by_identity(self, issuer: str, subject: str) -> dict[str, Any] | None:
        return self._one(
            "SELECT users.* FROM identities JOIN users ON users.id = identities.user_id"
            " WHERE identities.issuer = ? AND identities.subject = ?",
            (issuer, subject),
        )

    def add_identity_user(self, email: str, issuer: str, subject: str) -> dict[str, Any]:
        """Create a password-less user for the identity (issuer, subject), or return the
        one it has; ValueError when `email` belongs to another account."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT user_id FROM identities WHERE issuer = ? AND subject = ?",
                (issuer, subject),
            ).fetchone()
            if row is None:
                if db.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone():
                    raise ValueError("the e-mail belongs to another account")
                cursor = db.execute(
                    "INSERT INTO users (email, created) VALUES (?, ?)", (email, time.time())
                )
                user_id = int(cursor.lastrowid or 0)
                db.execute(
                    "INSERT INTO identities (issuer, subject, user_id) VALUES (?, ?, ?)",
                    (issuer, subject, user_id),
                )
            else:
                user_id = int(row["user_id"])
            found = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return decode(found)
