"""The document storages: the filesystem one, and the S3 one against moto's S3-compatible server
(a real HTTP server on loopback, spoken to by boto3 -- no mock of boto3 itself)."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from casework.casefile.storage import FilesystemStorage, S3Storage
from tests.casefile import files
from tests.casefile.test_documents import upload
from tests.casefile.test_visibility import TRAEGER_NOTICE, start


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def roundtrip(storage: Any) -> None:
    key = digest(files.PDF)
    assert not storage.exists(key)
    storage.put(key, io.BytesIO(files.PDF))
    storage.put(key, io.BytesIO(files.PDF))  # the same bytes again: stored once
    assert storage.exists(key)
    assert b"".join(storage.open(key)) == files.PDF
    assert list(storage.digests()) == [key]
    storage.delete(key)
    assert not storage.exists(key) and list(storage.digests()) == []
    with pytest.raises(FileNotFoundError):
        storage.open(key)
    with pytest.raises(ValueError):
        storage.exists("../../etc/passwd")


def test_filesystem_storage(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "documents")
    roundtrip(storage)
    storage.put(digest(files.TXT), io.BytesIO(files.TXT))
    # named by SHA-256, no temporary file left behind
    (stored,) = [p for p in (tmp_path / "documents").rglob("*") if p.is_file()]
    assert stored.name == digest(files.TXT) and stored.read_bytes() == files.TXT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3_server() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_s3_storage_against_a_local_s3_server(s3_server: str) -> None:
    client = boto3.client("s3", endpoint_url=s3_server, region_name="eu-central-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # noqa: S106
    client.create_bucket(Bucket="fallwerk", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    roundtrip(S3Storage(client, "fallwerk"))


def test_documents_check_lists_orphans_and_missing(api: Any, app: Any, casework: Any) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["documents", "check", "--remove-orphans"])  # what earlier tests' cases left
    hr = api("personal.ba")
    case = start(hr, TRAEGER_NOTICE)
    document = upload(hr, case["id"], files.PDF, "a.pdf").json
    storage = casework.documents.storage
    storage.put(digest(files.TXT), io.BytesIO(files.TXT))  # an object no row names
    result = runner.invoke(args=["documents", "check"])
    assert result.exit_code == 0 and f"verwaist: {digest(files.TXT)}" in result.output
    storage.delete(document["sha256"])
    result = runner.invoke(args=["documents", "check", "--remove-orphans"])
    assert result.exit_code == 1
    assert f"fehlt: {document['sha256']}" in result.output and "1 verwaiste Datei(en) gelöscht." in result.output
    assert not storage.exists(digest(files.TXT))
    assert api("gf").get(f"/api/v1/process-instances/{case['id']}/documents/{document['id']}").status_code == 404
