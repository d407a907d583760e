"""The API browser for operators (Swagger UI at /fleet/api), every file served by central itself:
a police network blocks public CDNs. Swagger UI's files (version 5: FastAPI's document is
OpenAPI 3.1) come from the fastapi-offline package, which bundles them for this purpose."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi.openapi.docs import get_swagger_ui_html

PAGE = "/fleet/api"
DOCUMENT = "/fleet/openapi.json"
ASSETS_URL = "/fleet/static/swagger-ui"
# The only files the page loads (nothing else of the package is served).
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
          "favicon.png": "image/png"}
STATIC = Path(fastapi_offline.__file__).parent / "static"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def asset(name: str) -> tuple[Path, str] | None:
    """(file, media type) of one of Swagger UI's files, or None for anything else."""
    media_type = ASSETS.get(name)
    return None if media_type is None else (STATIC / name, media_type)


def page_html(title: str) -> str:
    return get_swagger_ui_html(openapi_url=DOCUMENT, title=title,
                               swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                               swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                               swagger_favicon_url=f"{ASSETS_URL}/favicon.png").body.decode()


def policy(page: str) -> str:
    """The page's Content-Security-Policy: central's own files, and the page's one inline script
    (FastAPI's call of Swagger UI) by its SHA-256."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
                      for script in _INLINE_SCRIPT.findall(page))
    return (f"default-src 'none'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
