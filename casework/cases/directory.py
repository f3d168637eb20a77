"""DirectoryService: people, groups and organisations — authentication and maintenance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from casework.cases.access import AccessService
from casework.cases.sessions import SessionService
from casework.clock import Clock
from casework.errors import Forbidden, NotFound, ValidationFailed
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import Group, Membership, Organisation, OrganisationLink, User


def group_holders(session: sa.orm.Session, group: str, land: str | None = None) -> list[Any]:
    """The active members of ``group`` with the organisation they hold it in (rows of ``username``,
    ``organisation_id``, ``organisation_name``, ``organisation_land``); only organisations of Land
    ``land`` if given."""
    query = (
        sa.select(User.username, Organisation.id.label("organisation_id"),
                  Organisation.name.label("organisation_name"), Organisation.land.label("organisation_land"))
        .join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Group.name == group, User.active.is_(True))
    )
    if land is not None:
        query = query.where(Organisation.land == land)
    return list(session.execute(query).all())


class DirectoryService:
    def __init__(
        self,
        access: AccessService,
        password_method: str,
        clock: Clock,
        *,
        sessions: SessionService | None = None,
        min_password_length: int = 12,
    ) -> None:
        self.access = access
        self.sessions = sessions
        self.min_password_length = min_password_length
        self.password_method = password_method
        self.clock = clock
        self._group_labels: dict[str, str] | None = None
        # checked when the user is unknown or locked, so those cost as much as a wrong password
        self._dummy_hash = generate_password_hash("not a password", method=password_method)

    def authenticate(self, username: str, password: str) -> Actor | None:
        """The actor for valid credentials; None for an unknown or inactive user and a wrong password
        alike, in the same time. Guessing is slowed by the sign-in throttle in front of this (the web
        layer knows the client's address); the account itself is never locked, so strangers cannot
        lock its owner out (issue 11).
        """
        with unit_of_work(write=False) as session:
            user = session.scalar(sa.select(User).where(User.username == (username or "").strip()))
            if user is None or not user.active:
                check_password_hash(self._dummy_hash, password or "")
                return None
            if not check_password_hash(user.password_hash, password or ""):
                return None
            return self.access.actor_for(session, user.id, self.clock.today())

    def change_password(self, user_id: int, current: str, new: str) -> None:
        """Set a new password after checking the current one; ends every session and token of the user.

        Raises:
            ValidationFailed: the current password is wrong, or the new one is too short or unchanged.
        """
        if not isinstance(new, str) or len(new) < self.min_password_length:
            raise ValidationFailed("Das neue Passwort ist zu kurz.", {
                "new_password": f"Mindestens {self.min_password_length} Zeichen."})
        with unit_of_work() as session:
            user = session.get(User, user_id)
            if user is None or not check_password_hash(user.password_hash, current or ""):
                raise ValidationFailed("Das bisherige Passwort ist falsch.", {"password": "Falsch."})
            if check_password_hash(user.password_hash, new):
                raise ValidationFailed("Das neue Passwort ist das bisherige.", {"new_password": "Unverändert."})
            user.password_hash = generate_password_hash(new, method=self.password_method)
            self._end_sessions(session, user_id)

    def set_active(self, username: str, active: bool, *, actor: Actor | None) -> None:
        """Deactivate (or reactivate) a user; deactivation ends every session and token of theirs.
        ``actor`` None is the operator at the command line.

        Raises:
            Forbidden: the actor is not an admin.  NotFound: no such user.
        """
        if actor is not None and not actor.is_admin:
            raise Forbidden("Nur Administratoren dürfen Benutzer deaktivieren.")
        with unit_of_work() as session:
            user = session.scalar(sa.select(User).where(User.username == username))
            if user is None:
                raise NotFound("Benutzer nicht gefunden.")
            user.active = active
            if not active:
                self._end_sessions(session, user.id)

    def _end_sessions(self, session: sa.orm.Session, user_id: int) -> None:
        if self.sessions is not None:
            self.sessions.close_all(session, user_id)

    def group_labels(self) -> dict[str, str]:
        """Readable labels of the groups by name; cached, groups change with set-up, not per request."""
        if self._group_labels is None:
            with unit_of_work(write=False) as session:
                self._group_labels = {r.name: r.label for r in session.execute(sa.select(Group.name, Group.label))}
        return self._group_labels

    def display_names(self, usernames: set[str]) -> dict[str, str]:
        """People's names by username, for pages that must show names, not codes; unknown ones are left out."""
        if not usernames:
            return {}
        with unit_of_work(write=False) as session:
            rows = session.execute(sa.select(User.username, User.display_name).where(User.username.in_(usernames)))
            return {r.username: r.display_name for r in rows}

    def actor(self, user_id: int) -> Actor | None:
        with unit_of_work(write=False) as session:
            return self.access.actor_for(session, user_id, self.clock.today())

    def organisation_name(self, organisation_id: int | None) -> str | None:
        if organisation_id is None:
            return None
        with unit_of_work(write=False) as session:
            return session.scalar(sa.select(Organisation.name).where(Organisation.id == organisation_id))

    # --- maintenance (set-up, admin) ----------------------------------------------------------

    def ensure_organisation(self, slug: str, name: str, kind: str, land: str | None = None) -> int:
        with unit_of_work() as session:
            org = session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
            if org is None:
                org = Organisation(slug=slug, name=name, kind=kind, land=land)
                session.add(org)
            else:
                org.name, org.kind, org.land = name, kind, land
            session.flush()
            return org.id

    def link(self, organisation_id: int, related_id: int) -> None:
        with unit_of_work() as session:
            exists = session.get(OrganisationLink, (organisation_id, related_id))
            if exists is None:
                session.add(OrganisationLink(organisation_id=organisation_id, related_id=related_id))

    def ensure_group(self, name: str, label: str, supervisor: str | None = None) -> int:
        with unit_of_work() as session:
            group = session.scalar(sa.select(Group).where(Group.name == name))
            if group is None:
                group = Group(name=name, label=label)
                session.add(group)
            group.label = label
            if supervisor:
                group.supervisor_group_id = session.scalar(sa.select(Group.id).where(Group.name == supervisor))
            session.flush()
            group_id = group.id
        self.access.forget_groups()
        self._group_labels = None
        return group_id

    def ensure_user(
        self,
        username: str,
        *,
        display_name: str,
        password: str,
        organisation_id: int,
        groups: list[str],
        email: str | None = None,
    ) -> int:
        """Create or update a user whose memberships are exactly ``groups`` in their organisation."""
        return self.ensure_user_roles(
            username,
            display_name=display_name,
            password=password,
            organisation_id=organisation_id,
            roles=[(g, organisation_id) for g in groups],
            email=email,
        )

    def ensure_user_roles(
        self,
        username: str,
        *,
        display_name: str,
        password: str,
        organisation_id: int,
        roles: list[tuple[str, int]],
        email: str | None = None,
    ) -> int:
        """Create or update a user; their memberships become exactly ``roles`` (group, organisation)."""
        with unit_of_work() as session:
            user = session.scalar(sa.select(User).where(User.username == username))
            if user is None:
                user = User(username=username, created_at=datetime.now(UTC))
                session.add(user)
            user.display_name = display_name
            user.email = email
            user.organisation_id = organisation_id
            user.active = True
            if not user.password_hash or not check_password_hash(user.password_hash, password):
                user.password_hash = generate_password_hash(password, method=self.password_method)
            session.flush()
            session.execute(sa.delete(Membership).where(Membership.user_id == user.id))
            names = {g for g, _ in roles}
            group_ids = dict(session.execute(sa.select(Group.name, Group.id).where(Group.name.in_(names))).all())
            missing = names - set(group_ids)
            if missing:
                raise ValueError(f"unknown groups: {sorted(missing)}")
            session.add_all(
                Membership(user_id=user.id, group_id=group_ids[g], organisation_id=org)
                for g, org in roles
            )
            return user.id
