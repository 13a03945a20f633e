"""The API documentation works without a CDN and says what the API answers (the statuses, the
security schemes, the hand-decoded bodies); every response carries the security headers."""

from __future__ import annotations

import re
from typing import Any

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


# Every operation's error answers (CONTRACT.md "HTTP API"); 503 everywhere (the database is down).
ERRORS = {
    "login": {400, 401, 413, 415, 429, 503},
    "logout": {503},
    "listOrgs": {401, 503},
    "createOrg": {400, 401, 403, 404, 409, 413, 415, 503},
    "createUser": {400, 401, 403, 404, 409, 413, 415, 503},
    "setMyNotifications": {400, 401, 413, 415, 503},
    "setWebhooks": {400, 401, 403, 404, 413, 415, 503},
    "setPolicy": {400, 401, 403, 404, 413, 415, 503},
    "setCalendarDay": {400, 401, 403, 404, 413, 415, 503},
    "clearCalendarDay": {400, 401, 403, 404, 503},
    "publicIntake": {400, 413, 415, 422, 429, 503},
    "publicTrack": {400, 404, 429, 503},
    "publicRate": {400, 404, 409, 413, 415, 429, 503},
    "staffIntake": {400, 401, 403, 404, 413, 415, 503},
    "listTickets": {400, 401, 403, 503},
    "getTicket": {400, 401, 403, 404, 503},
    "ticketEvents": {400, 401, 403, 404, 503},
    "ticketAttachments": {400, 401, 403, 404, 503},
    "ticketAttachment": {400, 401, 403, 404, 503},
    "revealIdentity": {400, 401, 403, 404, 409, 413, 415, 503},
    "ticketAction": {400, 401, 403, 404, 409, 413, 415, 503},
    "nameStaff": {400, 401, 403, 404, 409, 413, 415, 503},
    "unsealIdentity": {400, 401, 403, 404, 409, 413, 415, 503},
    "setIdentityReviewer": {400, 401, 403, 404, 413, 415, 503},
    "ticketDrafts": {400, 401, 403, 404, 503},
    "saveDraft": {400, 401, 403, 404, 409, 413, 415, 503},
    "listNotifications": {400, 401, 503},
    "readNotification": {400, 401, 404, 503},
    "listDeliveries": {400, 401, 403, 503},
    "stats": {400, 401, 403, 404, 503},
    "statsTrends": {400, 401, 403, 404, 503},
    "statsBreakdowns": {400, 401, 403, 404, 503},
    "exportTickets": {400, 401, 403, 503},
    "drawSpotCheck": {400, 401, 403, 404, 413, 415, 503},
    "listSpotChecks": {401, 403, 503},
    "spotCheckResults": {400, 401, 403, 404, 503},
    "getSpotCheck": {400, 401, 403, 404, 503},
    "checkSpotCheckItem": {400, 401, 403, 404, 409, 413, 415, 503},
    "leagueTable": {400, 401, 403, 404, 503},
    "setLeagueAssessment": {400, 401, 403, 404, 413, 415, 503},
    "listRectificationOrders": {400, 401, 403, 503},
    "ticketOrders": {400, 401, 403, 404, 503},
    "listOrders": {400, 401, 403, 503},
    "getOrder": {400, 401, 403, 404, 503},
    "chaseOrder": {400, 401, 403, 404, 409, 413, 415, 503},
    "overdueBoard": {400, 401, 403, 503},
    "health": {503},
    "visitCoverage": {400, 401, 403, 404, 503},
    "listVisitClasses": {400, 401, 404, 503},
    "createVisitClass": {400, 401, 403, 404, 413, 415, 503},
    "classRoster": {400, 401, 404, 503},
    "classLedger": {400, 401, 404, 503},
    "createStudent": {400, 401, 403, 404, 413, 415, 503},
    "getStudent": {400, 401, 404, 503},
    "revealGuardians": {400, 401, 404, 503},
    "studentAccessLog": {400, 401, 403, 404, 503},
    "rosterTemplate": {401, 503},
    "importRoster": {400, 401, 403, 404, 413, 415, 503},
    "listVisits": {400, 401, 404, 503},
    "createVisit": {400, 401, 403, 404, 413, 415, 503},
    "getVisit": {400, 401, 404, 503},
    "listFollowups": {400, 401, 404, 503},
    "getFollowupCadences": {400, 401, 404, 503},
    "setFollowupCadences": {400, 401, 403, 404, 413, 415, 503},
    "listCampaigns": {400, 401, 503},
    "createCampaign": {400, 401, 403, 404, 413, 415, 503},
    "getCampaign": {400, 401, 404, 503},
    "getVisitPlan": {400, 401, 404, 503},
    "setVisitPlan": {400, 401, 403, 404, 413, 415, 503},
    "classLedgerRows": {400, 401, 404, 503},
    "createTalk": {400, 401, 403, 404, 413, 415, 503},
    "listTalks": {400, 401, 404, 503},
    "getTalk": {400, 401, 404, 503},
    "opinionToTicket": {400, 401, 403, 404, 413, 415, 503},
    "listCallbacks": {401, 403, 503},
    "callbackFigures": {400, 401, 403, 503},
    "revealForCallback": {400, 401, 403, 404, 409, 503},
    "getCallbackPolicy": {400, 401, 403, 404, 503},
    "setCallbackPolicy": {400, 401, 403, 404, 413, 415, 503},
    "listReveals": {400, 401, 403, 404, 503},
    "exportReveals": {400, 401, 403, 404, 503},
    "listGrids": {400, 401, 404, 503},
    "createGrid": {400, 401, 403, 404, 413, 415, 503},
    "getGrid": {400, 401, 404, 503},
    "updateGrid": {400, 401, 403, 404, 413, 415, 503},
    "addGridContact": {400, 401, 403, 404, 413, 415, 503},
    "previewPromotion": {400, 401, 403, 404, 503},
    "promoteClasses": {400, 401, 403, 404, 413, 415, 503},
    "studentFileAccess": {400, 401, 403, 404, 503},
    "teacherVisitStats": {400, 401, 403, 404, 503},
}
PUBLIC = {"login", "logout", "publicIntake", "publicTrack", "publicRate", "health"}


async def _operations(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    spec = (await client.get("/schema/openapi.json")).json()
    return {op["operationId"]: op for ops in spec["paths"].values() for op in ops.values()}


async def test_every_operation_lists_its_error_answers_with_the_one_error_body(
    client: httpx.AsyncClient,
) -> None:
    operations = await _operations(client)
    assert set(operations) == set(ERRORS)
    for name, operation in operations.items():
        codes = {int(code) for code in operation["responses"] if int(code) >= 400}
        assert codes == ERRORS[name], name
        if name == "health":
            continue
        for code in codes:
            body = operation["responses"][str(code)]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (name, code)
    error = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "status_code"]


async def test_staff_operations_require_the_bearer_token_or_the_session(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    assert (schemes["bearer"]["type"], schemes["bearer"]["scheme"]) == ("http", "bearer")
    assert (schemes["session"]["type"], schemes["session"]["in"]) == ("apiKey", "cookie")
    for name, operation in (await _operations(client)).items():
        if name == "logout":  # with the token or cookie to end, or with nothing
            assert operation["security"] == [{}, {"bearer": []}, {"session": []}]
        elif name in PUBLIC:
            assert "security" not in operation, name
        else:
            assert operation["security"] == [{"bearer": []}, {"session": []}], name


async def test_hand_decoded_bodies_are_documented(client: httpx.AsyncClient) -> None:
    operations = await _operations(client)
    intake = operations["publicIntake"]["requestBody"]["content"]
    assert intake["application/json"]["schema"]["properties"]["consent"]["const"] is True
    form = intake["multipart/form-data"]["schema"]["properties"]
    assert form["files"]["maxItems"] == 5 and "contact.phone" in form
    action = operations["ticketAction"]
    bodies = action["requestBody"]["content"]["application/json"]["schema"]["anyOf"]
    (path_action,) = (p for p in action["parameters"] if p["name"] == "action")
    assert [b["title"] for b in bodies] == path_action["schema"]["enum"]
    assert "assign" in path_action["schema"]["enum"] and "reveal" not in path_action["schema"]["enum"]
    assign = next(b for b in bodies if b["title"] == "assign")
    assert assign["required"] == ["assignee"] and assign["additionalProperties"] is False
    reveal = operations["revealIdentity"]["requestBody"]["content"]["application/json"]["schema"]
    assert reveal["required"] == ["reason"]


async def test_method_not_allowed_names_the_allowed_methods(client: httpx.AsyncClient) -> None:
    answer = await client.request("TRACE", "/health")
    assert answer.status_code == 405 and answer.json()["detail"]
    assert answer.headers["allow"] == "GET, OPTIONS"
