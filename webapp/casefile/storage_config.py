"""The document storage named by the configuration (DOCUMENTS_STORAGE and friends)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from casework.casefile.storage import DocumentStorage, FilesystemStorage, S3Storage


def document_storage(app: Flask) -> DocumentStorage:
    """Filesystem under instance/documents by default; "s3" needs DOCUMENTS_S3_BUCKET.

    Raises:
        RuntimeError: an unknown kind or an S3 storage without a bucket (the app refuses to start).
    """
    kind = str(app.config.get("DOCUMENTS_STORAGE") or "filesystem").lower()
    if kind == "filesystem":
        folder = app.config.get("DOCUMENTS_DIR") or Path(app.instance_path) / "documents"
        return FilesystemStorage(Path(folder))
    if kind == "s3":
        bucket = app.config.get("DOCUMENTS_S3_BUCKET")
        if not bucket:
            raise RuntimeError("DOCUMENTS_STORAGE=s3 needs DOCUMENTS_S3_BUCKET")
        import boto3  # only installations that store in S3 load it

        client = boto3.client(
            "s3",
            endpoint_url=app.config.get("DOCUMENTS_S3_ENDPOINT_URL") or None,
            region_name=app.config.get("DOCUMENTS_S3_REGION") or None,
        )
        return S3Storage(client, str(bucket), str(app.config.get("DOCUMENTS_S3_PREFIX") or "documents/"))
    raise RuntimeError(f"DOCUMENTS_STORAGE must be 'filesystem' or 's3', not {kind!r}")
