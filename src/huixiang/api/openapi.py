"""What /schema says beyond the handlers' signatures: the one error body, the security schemes,
the error answers each operation lists, and the request bodies of the endpoints that decode
their bodies by hand (the public intake, JSON or multipart; the ticket actions, one body per
action). tests/integration/test_openapi_conformance.py holds the API to this document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import msgspec

# Litestar's own plugin for msgspec Structs (not exported): StrictStructs adds one keyword to it.
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    Link,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
    RequestBody,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)
from litestar.typing import FieldDefinition

from ..domain.files import ALLOWED, MAX_FILES
from ..services import schemas as s
from ..services import tickets

ACCESS_CODE = "$response.body#/access_code"
BEARER = "bearer"
SESSION = "session"
# Staff endpoints: a token from POST /api/v1/auth/login, or the pages' session cookie.
STAFF: list[SecurityRequirement] = [{BEARER: []}, {SESSION: []}]
# Log out: with the token or cookie to end, or with nothing (then it ends nothing).
OPTIONAL: list[SecurityRequirement] = [{}, {BEARER: []}, {SESSION: []}]

COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            description="`Authorization: Bearer <token>`, the token from `POST /api/v1/auth/login`.",
        ),
        SESSION: SecurityScheme(
            type="apiKey",
            name="hx_session",
            security_scheme_in="cookie",
            description="The session cookie of a page login at /staff/login (same-origin requests only).",
        ),
    }
)


class Error(msgspec.Struct):
    """Every error answer: the status again, and a sentence that names the field in the
    client's words."""

    status_code: int
    detail: str


WHY = {
    400: "Invalid input; the sentence names the field.",
    401: "Not logged in, or the token or session has expired.",
    403: "The caller's role may not do this.",
    404: "Unknown, or outside the caller's scope.",
    409: "Not allowed in the current state, or a duplicate.",
    413: "The request body is too large.",
    415: "The body is neither JSON nor the multipart form this endpoint reads.",
    422: "This Idempotency-Key came before with another body.",
    429: "Too many requests; try again later.",
    503: "The database is unavailable; try again in a moment.",
}


def errors(*codes: int) -> dict[int, ResponseSpec]:
    """The error answers of an operation, each with the one error body. Every operation reads
    the database, so 503 is always among them."""
    return {
        code: ResponseSpec(data_container=Error, description=WHY[code], generate_examples=False)
        for code in sorted({*codes, 503})
    }


class Deliveries(msgspec.Struct):
    failed: int
    late: int


class Health(msgspec.Struct):
    """GET /health: each part `ok` or `down`; `detail` names the parts that are down."""

    status: Literal["ok", "down"]
    database: Literal["ok", "down"]
    broker: Literal["ok", "down"]
    deliveries: Deliveries | None = None  # notices that failed or wait too long (when the database answers)
    detail: str | None = None


HEALTH = {
    200: ResponseSpec(data_container=Health, description="Every part answers.", generate_examples=False),
    503: ResponseSpec(data_container=Health, description="A part is down.", generate_examples=False),
}

# An answer with no body: no content type either.
NO_CONTENT = {204: ResponseSpec(data_container=None, description="Done; nothing follows.")}

# A query parameter that takes a date or a time with its offset (`from`, `to`); empty is no bound.
DATE_OR_TIME: dict[str, Any] = {"anyOf": [{"format": "date"}, {"format": "date-time"}, {"maxLength": 0}]}

# The usual sets, named by who calls and whether a body is read.
BODY = (400, 413, 415)
SIGNED_IN = (401, 403)


class StrictStructs(StructSchemaPlugin):
    """Request schemas refuse unknown fields (msgspec's forbid_unknown_fields): say so in the
    document (`additionalProperties: false`), so a client knows before it is told."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema


def json_schema(schema: type[Any]) -> dict[str, Any]:
    """A struct's JSON Schema with its definitions written inline: the hand-decoded bodies are
    documented where they are used, not among the components."""
    (root,), defs = msgspec.json.schema_components([schema], ref_template="{name}")

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return cast(dict[str, Any], inline(root))


# A ticket as the parents' form sends it, to a school of the demo data (`huixiang demo`).
INTAKE_EXAMPLE = {
    "school_code": "demo-shiyan",
    "kind": "complaint",
    "category": "食堂膳食",
    "content": "孩子说最近食堂的菜太咸了，希望学校关注一下。",
    "anonymous": False,
    "contact": {"name": "王女士", "phone": "13812341234", "relation": "母亲"},
    "consent": True,
}


def _intake_json() -> dict[str, Any]:
    """The intake's JSON body; `consent` must be given, and true."""
    body = json_schema(s.PublicTicketCreate)
    body["properties"]["consent"] = {"const": True, "description": "The parent accepts how the data is used."}
    body["required"] = [*body["required"], "consent"]
    return body


def _intake_form() -> dict[str, Any]:
    """The multipart form: the JSON body's fields, nested ones flattened (`contact.phone`),
    and up to five `files`."""
    body = _intake_json()
    properties: dict[str, Any] = {}
    for name, field in body["properties"].items():
        nested = next((o for o in field.get("anyOf", [field]) if o.get("type") == "object"), None)
        if nested is None:
            properties[name] = field
            continue
        for sub, sub_field in nested["properties"].items():
            # A form has no null: an absent or empty field is the JSON body's null.
            options = [o for o in sub_field.get("anyOf", [sub_field]) if o.get("type") != "null"]
            properties[f"{name}.{sub}"] = options[0]
    properties["files"] = {
        "type": "array",
        "maxItems": MAX_FILES,
        "items": {"type": "string", "contentMediaType": "application/octet-stream"},
        "description": "Images (JPEG, PNG, GIF, WebP, HEIC) or PDFs, 10 MiB each.",
    }
    return {
        "type": "object",
        "properties": properties,
        "required": body["required"],
        "additionalProperties": False,  # an unknown field is refused, as in the JSON body
    }


def _media(schema: dict[str, Any]) -> OpenAPIMediaType:
    """A body given as plain JSON Schema (msgspec's): Litestar writes a dict into the document
    as it is."""
    return OpenAPIMediaType(schema=cast(Schema, schema))


@dataclass
class IntakeOperation(Operation):
    """POST /api/v1/public/tickets reads its body itself (JSON, or a multipart form streamed with
    its files): document both."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            content={
                "application/json": OpenAPIMediaType(
                    schema=cast(Schema, _intake_json()), example=INTAKE_EXAMPLE
                ),
                "multipart/form-data": _media(_intake_form()),
            },
        )
        # What a receipt leads to: following the ticket, and the staff's view of it.
        receipt = (self.responses or {}).get("201")
        if isinstance(receipt, OpenAPIResponse):
            number = {"number": "$response.body#/number"}
            receipt.links = {
                "track": Link(operation_id="publicTrack", parameters={**number, "code": ACCESS_CODE}),
                "staffView": Link(operation_id="getTicket", parameters=number),
                "events": Link(operation_id="ticketEvents", parameters=number),
                "attachments": Link(operation_id="ticketAttachments", parameters=number),
            }


def reads(schema: type[Any]) -> type[Operation]:
    """For an endpoint that decodes its JSON body by hand (edge/body.py): document `schema`."""
    body = RequestBody(required=True, content={"application/json": _media(json_schema(schema))})

    @dataclass
    class Reads(Operation):
        def __post_init__(self) -> None:
            self.request_body = body

    return Reads


@dataclass
class ActionOperation(Operation):
    """POST /api/v1/tickets/{number}/{action}: the action in the path picks the body's schema."""

    def __post_init__(self) -> None:
        actions = list(tickets.REQUESTS)
        for parameter in self.parameters or []:
            if isinstance(parameter, Parameter) and parameter.name == "action":
                parameter.schema = Schema(enum=[a.value for a in actions])
                parameter.description = "The lifecycle action; it picks the body's schema."
        bodies = []
        for action in actions:
            body = json_schema(tickets.REQUESTS[action])
            body["title"] = action.value
            bodies.append(body)
        self.request_body = RequestBody(
            required=False,
            description="The body of the action in the path (each schema is titled by its action); "
            "no body is the same as `{}`.",
            content={"application/json": _media({"anyOf": bodies})},
        )


@dataclass
class AttachmentOperation(Operation):
    """An attachment answers with its own type: one of the kinds an upload may be."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            binary = {"type": "string", "contentMediaType": "application/octet-stream"}
            ok.content = {kind: _media(binary) for kind in ALLOWED}
