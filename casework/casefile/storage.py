"""Where the bytes of documents live: one interface, a filesystem and an S3-compatible implementation.

Objects are named by the SHA-256 of their content, so storing the same bytes twice stores them once
and an object is never overwritten with other bytes. The database keeps the metadata
(``case_documents``); ``flask --app app documents check`` compares the two.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 64 * 1024


class StorageUnavailable(Exception):
    """The storage could not be reached or written (disk full, S3 down): the caller answers 503."""


def check_digest(digest: str) -> str:
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise ValueError("not a SHA-256 hex digest")
    return digest


class DocumentStorage(Protocol):
    """Content-addressed object storage."""

    def put(self, digest: str, source: IO[bytes]) -> None:
        """Store the bytes of ``source`` (read from its start) under ``digest``; a no-op if present."""

    def open(self, digest: str) -> Iterator[bytes]:
        """The bytes in chunks. Raises FileNotFoundError when missing."""

    def exists(self, digest: str) -> bool: ...

    def delete(self, digest: str) -> None: ...

    def digests(self) -> Iterator[str]:
        """Every stored object's digest (for the consistency check)."""


class FilesystemStorage:
    """Files under ``root/ab/<digest>``, written to a temporary file in the same folder, flushed to
    disk and renamed into place: a reader never sees half a file, a crash leaves no partial object."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, digest: str) -> Path:
        return self.root / check_digest(digest)[:2] / digest

    def put(self, digest: str, source: IO[bytes]) -> None:
        target = self._path(digest)
        if target.exists():
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out:
                    source.seek(0)
                    while chunk := source.read(CHUNK):
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def open(self, digest: str) -> Iterator[bytes]:
        handle = self._path(digest).open("rb")  # FileNotFoundError when missing: before the first chunk
        return _chunks(handle)

    def exists(self, digest: str) -> bool:
        return self._path(digest).is_file()

    def delete(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)

    def digests(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir():
                for item in sorted(folder.iterdir()):
                    if _DIGEST.match(item.name):
                        yield item.name


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


class S3Storage:
    """Objects ``<prefix><digest>`` in one bucket of an S3-compatible service (AWS, MinIO, Ceph, ...),
    for installations with several web machines. ``client`` is a boto3 S3 client."""

    def __init__(self, client: Any, bucket: str, prefix: str = "documents/") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _key(self, digest: str) -> str:
        return self.prefix + check_digest(digest)

    def put(self, digest: str, source: IO[bytes]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        if self.exists(digest):
            return
        source.seek(0)
        try:
            # one PUT (or a multipart upload completed as a whole): S3 never shows a partial object
            self.client.upload_fileobj(source, self.bucket, self._key(digest))
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(str(exc)) from exc

    def open(self, digest: str) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(digest))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(digest) from exc
            raise StorageUnavailable(str(exc)) from exc
        return iter(lambda: body.read(CHUNK), b"")

    def exists(self, digest: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(digest))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StorageUnavailable(str(exc)) from exc
        return True

    def delete(self, digest: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(digest))

    def digests(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", ()):
                name = item["Key"][len(self.prefix):]
                if _DIGEST.match(name):
                    yield name
