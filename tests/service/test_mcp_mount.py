"""The MCP server mounted in the HTTP API at /mcp, behind the API keys (a real uvicorn)."""

from __future__ import annotations

import httpx

from tests.service.conftest import API_KEY

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def test_mcp_endpoint_needs_a_key(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30, follow_redirects=True) as client:
        res = client.post("/mcp/", json=INITIALIZE, headers=HEADERS)
        assert res.status_code == 401
        res = client.post("/mcp/", json=INITIALIZE,
                          headers={**HEADERS, "Authorization": "Bearer wrong"})  # fmt: skip
        assert res.status_code == 401
        res = client.post("/mcp/", json=INITIALIZE,
                          headers={**HEADERS, "Authorization": f"Bearer {API_KEY}"})  # fmt: skip
        assert res.status_code == 200, res.text
        assert "aleatoric" in res.text and '"result"' in res.text
