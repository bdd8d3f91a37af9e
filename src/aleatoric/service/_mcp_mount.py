"""The MCP server mounted in the HTTP API at ``/mcp``, behind the same bearer API keys."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from aleatoric.jobs import JobSettings
from aleatoric.service._auth import key_matches

__all__ = ["BearerGate"]


class BearerGate:
    """ASGI wrapper: 401 unless the request carries one of the service's API keys.

    A mounted ASGI app does not see FastAPI dependencies, so the check the ``/v1`` routes get
    from :func:`aleatoric.service._auth.require_api_key` is repeated here.
    """

    def __init__(self, app: ASGIApp, settings: JobSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._allowed(scope):
            await send({
                "type": "http.response.start",
                "status": 401,
                "headers": [(b"content-type", b"application/json"),
                            (b"www-authenticate", b"Bearer")],
            })  # fmt: skip
            await send({"type": "http.response.body", "body": b'{"detail":"invalid API key"}'})
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        if self.settings.allow_anonymous and not self.settings.api_keys:
            return True
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                return scheme.lower() == "bearer" and key_matches(token, self.settings.api_keys)
        return False
