"""Security headers on every answer, and a Content-Security-Policy on every HTML page, whatever
route made it (an ASGI layer, so pages added later get them too).

Pages run no inline script and load nothing from elsewhere: the verification page takes its
style from /static/verify.css. The one exception is the operators' API browser (Swagger UI at
/fleet/api, central/api_browser.py): its own policy allows its one inline script by SHA-256.
"""

from __future__ import annotations

from typing import Any

ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),  # for browsers before frame-ancestors
]
PAGE_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'")
# The fleet page's forms post back to central itself.
FLEET_POLICY = PAGE_POLICY.replace("form-action 'none'", "form-action 'self'")


class SecurityHeaders:
    def __init__(self, app: Any, policies: dict[str, str] | None = None):
        self.app = app
        self.policies = policies or {}  # path → its own policy (the API browser)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        default = FLEET_POLICY if path == "/fleet" or path.startswith("/fleet/") else PAGE_POLICY
        policy = self.policies.get(path, default).encode()

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                headers += ALWAYS
                content_type = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", policy))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_OURS = {name for name, _ in ALWAYS} | {b"content-security-policy"}
