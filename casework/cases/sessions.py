"""SessionService: server-side sign-ins, so a session or token can be ended for good.

A browser session and an API token are each a row of ``auth_sessions``, keyed by the SHA-256 of a
random secret that only the client holds (inside the signed session cookie, or as the bearer
token). Logging out, revoking a token, changing one's password and an admin's deactivation delete
rows; a copied cookie or token then signs no one in.

Every request resolves its secret in ONE indexed statement, outside a transaction (no BEGIN, no
COMMIT: one round trip on PostgreSQL), that also reads the user, their memberships (what
``AccessService.actor_for`` read before) and whether they stand in for anyone today (only then
follow the reads of the Vertretung); it writes only when the session's ``last_seen_at`` is older
than ``TOUCH_SECONDS``: the idle timeout is exact to that minute.

Session times are wall-clock times, not the business clock that tests and timers move.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from casework.cases.access import ACTOR_COLUMNS, AccessService
from casework.cases.standins import stands_in_clause
from casework.clock import Clock
from casework.errors import Conflict
from casework.records import Actor
from casework.unit_of_work import read_once, unit_of_work
from models import AuthSession, Group, Membership, User

KINDS = ("web", "api")
_TABLE = AuthSession.__table__
_RESOLVE = (
    sa.select(*ACTOR_COLUMNS, AuthSession.kind, AuthSession.last_seen_at, AuthSession.expires_at,
              stands_in_clause(User.id).label("stands_in"))
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Group, Group.id == Membership.group_id)
    .where(AuthSession.id == sa.bindparam("sid"))
)


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: int = 30 * 60
    lifetime_seconds: int = 10 * 3600
    token_lifetime_seconds: int = 8 * 3600


def _key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class SessionService:
    """Opens, resolves and ends sign-ins (browser sessions and API tokens)."""

    TOUCH_SECONDS = 60

    def __init__(self, access: AccessService, policy: SessionPolicy | None = None, clock: Clock | None = None) -> None:
        self.access = access
        self.policy = policy or SessionPolicy()
        self.clock = clock or Clock()
        self._purged_at: datetime | None = None

    def open(self, user_id: int, kind: str) -> tuple[str, datetime]:
        """A new sign-in for the user: the secret for the client, and when it ends at the latest.

        Also drops the user's sign-ins that have ended, so the table holds live ones only.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown session kind {kind!r}")
        now = self.clock.now()
        seconds = self.policy.lifetime_seconds if kind == "web" else self.policy.token_lifetime_seconds
        expires = now + timedelta(seconds=seconds)
        secret = secrets.token_urlsafe(32)
        with unit_of_work() as session:
            session.execute(sa.delete(_TABLE).where(
                _TABLE.c.user_id == user_id,
                sa.or_(_TABLE.c.expires_at <= now, _TABLE.c.last_seen_at <= self._idle_cutoff(now)),
            ))
            session.execute(sa.insert(_TABLE).values(
                id=_key(secret), user_id=user_id, kind=kind, created_at=now, last_seen_at=now, expires_at=expires,
            ))
        return secret, expires

    def resolve(self, secret: str | None, kind: str) -> Actor | None:
        """The actor signed in by ``secret``; None if unknown, ended, idle too long or of another kind."""
        if not secret or len(secret) > 200:
            return None
        now = self.clock.now()
        sid = _key(secret)
        today = self.access.today() if self.access.today is not None else None
        with read_once() as connection:
            rows = connection.execute(_RESOLVE, {"sid": sid, "today": today}).all()
        if not rows:
            return None
        first = rows[0]
        if first.kind != kind or first.expires_at <= now or first.last_seen_at <= self._idle_cutoff(now):
            return None
        actor = self.access.actor_from_rows(rows)
        if actor is not None and today is not None and first.stands_in:
            # whom the user stands in for today (Vertretung, casework.cases.standins)
            with unit_of_work(write=False) as session:
                actor = self.access.with_stand_ins(session, actor, today)
        if actor is not None and (now - first.last_seen_at).total_seconds() >= self.TOUCH_SECONDS:
            self._touch(sid, now)
        return actor

    def close(self, secret: str | None) -> bool:
        """End one sign-in (logout, token revocation); False if it was not there."""
        if not secret:
            return False
        with unit_of_work() as session:
            return bool(session.connection().execute(sa.delete(_TABLE).where(_TABLE.c.id == _key(secret))).rowcount)

    def close_all(self, session: sa.orm.Session, user_id: int) -> int:
        """End every sign-in of the user, inside the caller's unit of work (password change, deactivation)."""
        return int(session.connection().execute(sa.delete(_TABLE).where(_TABLE.c.user_id == user_id)).rowcount or 0)

    def purge(self) -> int:
        """Delete the sign-ins that have ended (a scheduler job; hourly, whatever the tick)."""
        now = self.clock.now()
        if self._purged_at is not None and now - self._purged_at < timedelta(hours=1):
            return 0
        self._purged_at = now
        with unit_of_work() as session:
            ended = sa.or_(_TABLE.c.expires_at <= now, _TABLE.c.last_seen_at <= self._idle_cutoff(now))
            return int(session.connection().execute(sa.delete(_TABLE).where(ended)).rowcount or 0)

    def _idle_cutoff(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.policy.idle_seconds)

    def _touch(self, sid: str, now: datetime) -> None:
        try:
            with unit_of_work() as session:
                session.execute(sa.update(_TABLE).where(_TABLE.c.id == sid).values(last_seen_at=now))
        except Conflict:
            pass  # the database is busy: the next request of this session moves the mark instead
