"""The client side of ``POST /submissions``, for ``kg submit --server``: standard library only."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from kg.errors import KgError, UsageError
from kg.submissions import Inputs

TIMEOUT = 60


def submit(server: str, token: str | None, item: Inputs) -> tuple[int, dict[str, Any]]:
    """Send one submission; the HTTP status and the JSON answer."""
    if not token:
        raise UsageError("--server needs a write token", hint="--token or KG_TOKEN")
    if not server.startswith(("http://", "https://")):
        raise UsageError(f"--server must be an http(s) URL, not {server!r}")
    if item.rdf_format is not None:
        body, content_type = item.data, item.rdf_format if "/" in item.rdf_format else "text/turtle"
    else:
        boundary = uuid.uuid4().hex
        parts = [("annotation", item.name, item.data)] + ([("text", "article.txt", item.text)] if item.text else [])
        chunks = []
        for field, filename, data in parts:
            chunks.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n".encode()
                + data
                + b"\r\n"
            )
        body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
        content_type = f"multipart/form-data; boundary={boundary}"
    request = urllib.request.Request(
        server.rstrip("/") + "/submissions",
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {"error": error.reason}
    except OSError as exc:
        raise KgError(f"cannot reach {server}: {exc}", hint="is kg serve running there?") from None
