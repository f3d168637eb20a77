"""Fixtures of the designer tests: the two versions of the small review process in tests/data."""

from __future__ import annotations

import pytest

from tests.factories import fixture_bytes

KEY = "designer_review"
FILE = "designer_review.bpmn"


@pytest.fixture
def v1() -> str:
    return fixture_bytes("designer_review.bpmn").decode("utf-8")


@pytest.fixture
def v2() -> str:
    return fixture_bytes("designer_review_v2.bpmn").decode("utf-8")
