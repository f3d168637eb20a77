"""A stored document as an HTTP download, and the upload size limit of the document endpoints."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Flask, Response, current_app, request

from casework.casefile.documents import Download

# form fields and multipart boundaries around the file: the limit is on the file, the body may be a bit more
MULTIPART_ALLOWANCE = 64 * 1024
UPLOAD_ENDPOINTS = frozenset({"api.add_document", "casefile.add_document", "inbox.task"})


def attachment(download: Download) -> Response:
    """Streamed, never inline: the stored type, ``attachment`` and ``nosniff`` so no browser runs it."""
    document = download.document
    response = Response(download.chunks, mimetype=document.content_type, direct_passthrough=True)
    response.headers["Content-Disposition"] = content_disposition(document.filename)
    response.headers["Content-Length"] = str(document.size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII name for old clients and the exact UTF-8 name (RFC 6266)."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode() or "dokument"
    fallback = fallback.replace("\\", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def upload_limit() -> int:
    return int(current_app.config["DOCUMENTS_MAX_BYTES"]) + MULTIPART_ALLOWANCE


def init_upload_limit(app: Flask) -> None:
    """Uploads to the document endpoints may exceed the app's MAX_CONTENT_LENGTH up to the document
    limit. Set before any other hook reads the body (the CSRF check parses forms): a larger
    Content-Length is refused with 413 unread, a chunked body is cut off at the limit."""

    def _document_upload_limit() -> None:
        if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
            request.max_content_length = upload_limit()

    app.before_request_funcs.setdefault(None, []).insert(0, _document_upload_limit)
