"""The outbox page's query parameters, cleaned."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webapp.common import page_arg

STATUSES = ("queued", "failed", "sent", "digest", "bundled")


@dataclass(frozen=True)
class OutboxQuery:
    status: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OutboxQuery:
        status = args.get("status", "")
        return cls(status if status in STATUSES else "", page_arg(args))

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {"status": self.status or None, "page": self.page, **changes}
        return {k: v for k, v in values.items() if v not in (None, "", 1)}
