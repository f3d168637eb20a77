"""Sign-in throttling that strangers cannot turn against a user (issue 11 §4).

Three limits, counted with the ``limits`` library (the core of Flask-Limiter) in a storage that
several server processes share when configured (``LOGIN_THROTTLE_STORAGE``: ``memory://`` for one
process, ``redis://host:6379/0`` for several; a storage that fails falls back to memory per process):

1. every sign-in attempt per client address (password spraying from one client);
2. wrong passwords per (account, client address): ``LOGIN_MAX_FAILURES`` within
   ``LOGIN_LOCK_SECONDS`` pause that pair only, so strangers elsewhere cannot lock the owner out;
3. wrong passwords per account from all addresses together (guessing from many addresses); a
   browser in which the account signed in before carries a signed "known browser" cookie and is
   exempt, so the owner's own browser gets in at once, and any other client of theirs after the
   window (at most ``LOGIN_ACCOUNT_WINDOW``) has passed.

Unknown user names count like known ones: the answers never tell which accounts exist.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, Request, Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from casework.records import Actor
from webapp.common import services

log = logging.getLogger(__name__)

KNOWN_COOKIE = "fw_known"
KNOWN_SALT = "fallwerk-known-browser"
KNOWN_MAX_AGE = 90 * 24 * 3600


@dataclass(frozen=True)
class ThrottleLimits:
    per_client: str = "20 per minute"
    per_account_client: str = "10 per 120 seconds"
    per_account: str = "50 per 15 minutes"


class LoginThrottle:
    """The three limits of one app; ``wait`` says how long a refused client must wait, in seconds."""

    def __init__(self, storage_uri: str, limits_: ThrottleLimits, secret_key: str) -> None:
        self.storage_uri = storage_uri
        self.storage: Storage = storage_from_string(storage_uri)
        self._fallback: MemoryStorage | None = None
        self.per_client: RateLimitItem = parse(limits_.per_client)
        self.per_account_client: RateLimitItem = parse(limits_.per_account_client)
        self.per_account: RateLimitItem = parse(limits_.per_account)
        self._known = URLSafeSerializer(secret_key, salt=KNOWN_SALT)

    # --- the three questions of a sign-in ---------------------------------------------------

    def refuse(self, username: str, address: str, known: bool) -> int | None:
        """Seconds to wait if this attempt must be refused; otherwise counts it for the client."""
        account = _account(username)
        limiter = self._limiter()
        checks = [(self.per_account_client, ("pair", account, address))]
        if not known:
            checks.append((self.per_account, ("account", account)))
        for item, ids in checks:
            if not limiter.test(item, *ids):
                return self._wait(limiter, item, ids)
        if not limiter.hit(self.per_client, "client", address):
            return self._wait(limiter, self.per_client, ("client", address))
        return None

    def failed(self, username: str, address: str, known: bool) -> None:
        """A wrong password (or unknown user) from ``address``."""
        account = _account(username)
        limiter = self._limiter()
        limiter.hit(self.per_account_client, "pair", account, address)
        if not known:
            limiter.hit(self.per_account, "account", account)

    def reset(self) -> None:
        self.storage.reset()
        if self._fallback is not None:
            self._fallback.reset()

    # --- the known-browser cookie -------------------------------------------------------------

    def knows(self, request: Request, username: str) -> bool:
        value = request.cookies.get(KNOWN_COOKIE)
        if not value:
            return False
        try:
            names = self._known.loads(value)
        except BadSignature:
            return False
        return isinstance(names, list) and _account(username) in names

    def remember(self, request: Request, response: Response, username: str, secure: bool) -> None:
        """After a successful sign-in: this browser is known for the account (a few accounts kept)."""
        names: list[str] = []
        value = request.cookies.get(KNOWN_COOKIE)
        if value:
            try:
                loaded = self._known.loads(value)
                names = [n for n in loaded if isinstance(n, str)] if isinstance(loaded, list) else []
            except BadSignature:
                names = []
        names = [_account(username), *[n for n in names if n != _account(username)]][:5]
        response.set_cookie(KNOWN_COOKIE, self._known.dumps(names), max_age=KNOWN_MAX_AGE, httponly=True,
                            samesite="Lax", secure=secure)

    # --- storage ------------------------------------------------------------------------------

    def _limiter(self) -> MovingWindowRateLimiter:
        """The configured storage, or this process's memory while it does not answer."""
        try:
            if self.storage.check():
                if self._fallback is not None:
                    log.warning("sign-in throttle storage %s answers again", _safe(self.storage_uri))
                    self._fallback = None
                return MovingWindowRateLimiter(self.storage)
        except Exception:  # noqa: BLE001,S110 - any failure of the storage means: use the fallback
            pass
        if self._fallback is None:
            log.warning("sign-in throttle storage %s unreachable; counting in this process meanwhile",
                        _safe(self.storage_uri))
            self._fallback = MemoryStorage()
        return MovingWindowRateLimiter(self._fallback)

    @staticmethod
    def _wait(limiter: MovingWindowRateLimiter, item: RateLimitItem, ids: tuple[str, ...]) -> int:
        stats = limiter.get_window_stats(item, *ids)
        return max(1, math.ceil(stats.reset_time - time.time()))


def _account(username: str) -> str:
    return (username or "").strip().lower()[:80]


def _safe(uri: str) -> str:
    """The storage address without a password, for the log."""
    scheme, sep, rest = uri.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}"


def init_app(app: Flask) -> None:
    app.extensions["login_throttle"] = LoginThrottle(
        str(app.config["LOGIN_THROTTLE_STORAGE"]),
        ThrottleLimits(
            per_client=str(app.config["LOGIN_RATE_PER_CLIENT"]),
            per_account_client=f"{int(app.config['LOGIN_MAX_FAILURES'])} per "
                               f"{int(app.config['LOGIN_LOCK_SECONDS'])} seconds",
            per_account=str(app.config["LOGIN_RATE_PER_ACCOUNT"]),
        ),
        str(app.config["SECRET_KEY"]),
    )


def sign_in(username: str, password: str) -> tuple[Actor | None, int | None]:
    """Check credentials behind the throttle: (actor, None) signed in, (None, None) wrong,
    (None, seconds) refused for now; the caller answers 429 with Retry-After."""
    throttle: LoginThrottle = current_app.extensions["login_throttle"]
    address = request.remote_addr or "-"
    known = throttle.knows(request, username)
    wait = throttle.refuse(username, address, known)
    if wait is not None:
        log.info("sign-in throttled for %s seconds", wait)  # neither name nor address: personal data
        return None, wait
    found = services().directory.authenticate(username, password)
    if found is None:
        throttle.failed(username, address, known)
    return found, None


def remember_browser(response: Response, username: str) -> None:
    throttle: LoginThrottle = current_app.extensions["login_throttle"]
    throttle.remember(request, response, username, bool(current_app.config.get("SESSION_COOKIE_SECURE")))
