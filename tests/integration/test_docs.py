"""The API documentation works without a CDN, and every response carries the security headers."""

from __future__ import annotations

import re

import httpx


async def test_swagger_ui_loads_assets_from_this_server(client: httpx.AsyncClient) -> None:
    page = await client.get("/schema/swagger")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text)
    assert assets and all(a.startswith("/static/swagger/") for a in assets), assets
    for asset in assets:
        assert (await client.get(asset)).status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in page.headers["content-security-policy"]
    spec = await client.get("/schema/openapi.json")
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.1")


async def test_unknown_address_answers_json_404_with_security_headers(client: httpx.AsyncClient) -> None:
    answer = await client.get("/no/such/page")
    assert answer.status_code == 404 and answer.json()["detail"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
