"""Helpers for the Camunda 7 models of tests/data/camunda (written here, in the Camunda Modeler's manner)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from casework import Casework
from casework.errors import DefinitionInvalid, Problem

CAMUNDA_DATA = Path(__file__).resolve().parents[1] / "data" / "camunda"


def model_bytes(name: str) -> bytes:
    return (CAMUNDA_DATA / name).read_bytes()


def deploy_model(casework: Casework, *names: str) -> list[Any]:
    """Deploy the models as they are, by the system; returns (definition, created) per process."""
    return casework.repository.deploy({n: model_bytes(n) for n in names}, actor=None)


def refused(casework: Casework, *names: str) -> list[Problem]:
    with pytest.raises(DefinitionInvalid) as raised:
        deploy_model(casework, *names)
    return [p for p in raised.value.problems if p.severity == "error"]
