"""Running the governance processes over the JSON API as their demo users (DOMAIN.md §4).

``cases`` is a small driver: start a process as a user, find the task of a given BPMN id that a
user holds or is offered, and complete it — every step through the same endpoints a client uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

ApiFactory = Callable[..., Any]


class ProcessDriver:
    """Starts cases and completes their tasks as demo users, asserting each step succeeds."""

    def __init__(self, api: ApiFactory) -> None:
        self._api = api
        self._clients: dict[str, Any] = {}

    def client(self, username: str) -> Any:
        if username not in self._clients:
            self._clients[username] = self._api(username)
        return self._clients[username]

    def start(self, username: str, process_key: str, variables: dict[str, Any],
              business_key: str | None = None) -> dict[str, Any]:
        response = self.client(username).post(
            "/api/v1/process-instances",
            json={"process_key": process_key, "business_key": business_key, "variables": variables},
        )
        assert response.status_code == 201, response.json
        return dict(response.json)

    def tasks(self, username: str, instance_id: str, task_name: str | None = None) -> list[dict[str, Any]]:
        """Open tasks of the case that the user holds or is offered (scope=all)."""
        response = self.client(username).get(
            f"/api/v1/tasks?scope=all&per_page=200&process_instance_id={instance_id}"
        )
        assert response.status_code == 200, response.json
        return [t for t in response.json["items"] if task_name is None or t["name"] == task_name]

    def task(self, username: str, instance_id: str, task_name: str) -> dict[str, Any]:
        found = self.tasks(username, instance_id, task_name)
        assert len(found) == 1, (username, task_name, found)
        return found[0]

    def submit(self, username: str, instance_id: str, task_name: str, data: dict[str, Any]) -> Any:
        """Complete the user's task of that name; returns the raw response (for 422 checks)."""
        task = self.task(username, instance_id, task_name)
        return self.client(username).post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})

    def complete_as(self, username: str, instance_id: str, task_name: str,
                    data: dict[str, Any]) -> dict[str, Any]:
        """Complete the task and return the case afterwards."""
        response = self.submit(username, instance_id, task_name, data)
        assert response.status_code == 200, response.json
        return dict(response.json["process_instance"])

    def case(self, username: str, instance_id: str) -> dict[str, Any]:
        response = self.client(username).get(f"/api/v1/process-instances/{instance_id}")
        assert response.status_code == 200, response.json
        return dict(response.json)


@pytest.fixture
def cases(api: ApiFactory) -> ProcessDriver:
    return ProcessDriver(api)


@pytest.fixture
def without_users(app: Any) -> Callable[..., Any]:
    """without_users("gemeinde.%") -> a context in which those demo users are inactive (restored after)."""
    from contextlib import contextmanager

    import sqlalchemy as sa

    from models import User, db

    def set_active(pattern: str, flag: bool) -> None:
        with app.app_context():
            db.session.execute(sa.update(User).where(User.username.like(pattern)).values(active=flag))
            db.session.commit()
            db.session.remove()

    @contextmanager
    def context(pattern: str) -> Any:
        set_active(pattern, False)
        try:
            yield
        finally:
            set_active(pattern, True)

    return context


@pytest.fixture
def colleague(app: Any) -> Iterator[Callable[..., str]]:
    """colleague("ka.buero2", "ka_office", "land-nw") -> a further active member of the group in that
    organisation (password ``demo``); the organisation is created when missing (``organisation=
    (name, kind, land)``). The users lose their memberships and are deactivated after the test."""
    import sqlalchemy as sa

    from models import Membership, Organisation, User, db

    created: list[str] = []

    def make(username: str, group: str, slug: str,
             organisation: tuple[str, str, str] | None = None) -> str:
        casework = app.extensions["casework"]
        with app.app_context():
            if organisation is not None:
                org_id = casework.directory.ensure_organisation(slug, *organisation)
            else:
                org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == slug))
                assert org_id is not None, slug
            casework.directory.ensure_user_roles(
                username, display_name=f"Kollegin {username}", password="demo",  # noqa: S106 - demo
                organisation_id=org_id, roles=[(group, org_id)], email=f"{username}@musterkreis.example")
            db.session.remove()
        created.append(username)
        return username

    yield make
    with app.app_context():
        ids = list(db.session.scalars(sa.select(User.id).where(User.username.in_(created))))
        if ids:
            db.session.execute(sa.delete(Membership).where(Membership.user_id.in_(ids)))
            db.session.execute(sa.update(User).where(User.id.in_(ids)).values(active=False))
            db.session.commit()
        db.session.remove()
