"""How central answers what it cannot take: one line, never the value sent, never a 500 for
content. Installed by create_app, so every route (and any added later) answers this way."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, StatementError

from common.masking import mask_personal

log = logging.getLogger(__name__)

# A location part that is a field name we declared; anything else (a dict key, a union tag)
# came from the request and may be an ID number or a name.
_FIELD = re.compile(r"[a-z_][a-z0-9_]{0,39}", re.ASCII)
# Error types whose message quotes the input itself.
_QUOTES_INPUT = {"union_tag_invalid", "union_tag_not_found", "url_parsing", "uuid_parsing"}


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) if isinstance(part, int) or _FIELD.fullmatch(str(part)) else "…" for part in loc)


def validation_detail(errors: list[dict[str, Any]]) -> str:
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    message = "invalid value" if first.get("type") in _QUOTES_INPUT else first["msg"]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return mask_personal(f"{_where(tuple(first['loc']))}: {message}{more}")


def _content_error(exc: BaseException) -> bool:
    """The database or the encoder refused what the request carried, not central's own fault."""
    if isinstance(exc, UnicodeError | DataError):
        return True
    return isinstance(exc, StatementError) and isinstance(exc.orig, UnicodeError | ValueError)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_detail(exc.errors())}, status_code=422)

    async def unstorable(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, OperationalError | InterfaceError):  # the database is away: try later
            log.warning("%s %s: database unavailable (%s)", request.method, request.url.path, type(exc).__name__)
            return JSONResponse({"detail": "database unavailable"}, status_code=503)
        if not _content_error(exc):
            raise exc
        # The type only: the exception's text holds the value that failed.
        log.warning("%s %s: content the database cannot store (%s)", request.method, request.url.path,
                    type(exc).__name__)
        return JSONResponse({"detail": "the request holds a value that cannot be stored"}, status_code=422)

    for kind in (UnicodeError, DataError, StatementError):
        app.add_exception_handler(kind, unstorable)
