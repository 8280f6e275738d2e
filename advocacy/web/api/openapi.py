"""GET /api/v1/openapi.json: the contract allies build on (OpenAPI 3.1).

Request bodies come from the pydantic models that check them (schemas.py), so the two cannot drift;
responses are written out here and checked against the running app by tests/api/test_contract.py.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, jsonify
from pydantic.json_schema import models_json_schema

from . import bp
from .schemas import POSTAL_CODE_PATTERN, LetterBody, OsdiBody, SignatureBody

STRING = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
PHASES = ["upcoming", "open", "paused", "closed"]
CONFIRM = {"type": "string", "enum": ["required", "optional", "off"],
           "description": "required: nothing counts or is sent until the supporter uses the emailed link; "
                          "optional: counts at once, and the link verifies the address; off: no email."}


def _object(properties: dict[str, Any], *, required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, **headers: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _error(description: str, **headers: dict[str, Any]) -> dict[str, Any]:
    return _json(_ref("Error"), description, **headers)


RETRY_AFTER = {"description": "Seconds until a request will be accepted", "required": True, "schema": STRING}
WWW_AUTHENTICATE = {"description": "Bearer", "required": True, "schema": STRING}
ETAG = {"description": "Send it back as If-None-Match to get 304 when nothing changed", "required": True,
        "schema": STRING}
COMMON_ERRORS = {
    "401": _error("The key is missing (writes), not valid or revoked, or was sent in the address",
                  **{"WWW-Authenticate": WWW_AUTHENTICATE}),
    "429": _error("Too many requests for this key (or, without a key, this address)", **{"Retry-After": RETRY_AFTER}),
    "503": _error("We are very busy (the database, or too many requests waiting); nothing was recorded: try again "
                  "after Retry-After seconds",
                  **{"Retry-After": RETRY_AFTER}),
}
READ_SECURITY: list[dict[str, list[str]]] = [{}, {"allyKey": []}]  # anonymous reads see public campaigns only
LANG = {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["en", "fr"]},
        "description": "Language of the texts (English when the campaign has no French)"}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": STRING}


def _schemas() -> dict[str, Any]:
    _top, defs = models_json_schema([(SignatureBody, "validation"), (LetterBody, "validation"),
                                     (OsdiBody, "validation")], ref_template="#/components/schemas/{model}")
    summary = {
        "slug": STRING, "kind": {"type": "string", "enum": ["petition", "letter"]}, "title": STRING,
        "summary": STRING, "phase": {"type": "string", "enum": PHASES}, "goal": {"type": "integer"},
        "count": {"type": ["integer", "null"], "description": "Confirmed actions; null for a private campaign"},
        "url": {"type": "string", "description": "The campaign's own page"},
    }
    campaign = {
        **summary, "lang": {"type": "string", "enum": ["en", "fr"]}, "body": {"type": "string",
                                                                              "description": "Markdown"},
        "thank_you": STRING, "share_text": STRING, "consent": STRING, "open": {"type": "boolean"},
        "opens": TEXT_OR_NULL, "closes": TEXT_OR_NULL, "confirm": CONFIRM, "editable": {"type": "boolean"},
        "letter": {"oneOf": [{"type": "null"}, _object({"subject": STRING, "body": STRING})],
                   "description": "The text an editable letter starts from"},
        "levels": {"type": "array", "items": {"type": "string", "enum": ["federal", "provincial", "municipal"]}},
        "ally": {"oneOf": [{"type": "null"}, _object({"slug": STRING, "name": STRING, "opt_in_wording": STRING,
                                                     "may_post": {"type": "boolean"}})],
                 "description": "With a key: the ally, the opt-in wording its form shows, and whether it may post"},
    }
    person = _object({name: TEXT_OR_NULL if name == "fetched_at" else {"type": "boolean"} if name == "demo"
                      else STRING for name in ("name", "office", "district", "party", "email", "phone",
                                               "postal_address", "source", "source_url", "fetched_at", "demo")})
    candidate = _object({
        "district": _object({"key": STRING, "name": STRING}), "match": STRING, "confidence": STRING,
        "share": {"type": ["number", "null"]}, "source": STRING, "vacant": {"type": "boolean"},
        "representatives": {"type": "array", "items": person},
    })
    level = _object({"status": {"type": "string", "enum": ["found", "ambiguous", "vacant", "no data"]},
                     "message": STRING, "candidates": {"type": "array", "items": candidate}})
    choice = _object({"key": STRING, "name": STRING, "group": STRING,
                      "representatives": {"type": "array", "items": STRING}})
    return {
        **defs["$defs"],
        "Error": _object({"error": STRING, "fields": {"type": "object", "additionalProperties": STRING},
                          "problems": {"type": "array", "items": STRING}, "choose": STRING}, required=["error"]),
        "CampaignSummary": _object(summary),
        "Campaign": _object(campaign),
        "SignatureResult": _object({
            "status": {"type": "string", "enum": ["signed", "awaiting_confirmation", "already_signed"]},
            "already_signed": {"type": "boolean", "description": "Only ever true for a public campaign"},
            "confirm": CONFIRM}),
        "LetterResult": _object({
            "status": {"type": "string", "enum": ["queued", "awaiting_confirmation"]}, "confirm": CONFIRM,
            "letters": {"type": "array", "items": _object({"to": STRING, "office": STRING, "district": STRING,
                                                           "subject": STRING})},
            "problems": {"type": "array", "items": STRING,
                         "description": "Levels nobody could be found for; the other letters are queued"}}),
        "Representatives": _object({
            "postal_code": STRING, "display": STRING, "city": STRING, "source": STRING, "stale": {"type": "boolean"},
            "fetched_at": TEXT_OR_NULL, "attribution": STRING,
            "levels": _object({name: level for name in ("federal", "provincial", "municipal")})}),
        "UnknownPostalCode": _object({
            "error": STRING, "postal_code": STRING, "choices_scope": STRING,
            "choices": {"type": "object", "additionalProperties": {"type": "array", "items": choice}}}),
    }


SUPPORTER_EXAMPLE = {"first_name": "Bo", "last_name": "Li", "email": "bo.li@example.com", "postal_code": "K1P 5J2",
                     "opt_in": True, "source": "spring-newsletter"}
OSDI_EXAMPLE = {"person": {"given_name": "Ana", "family_name": "Silva",
                           "email_addresses": [{"address": "ana.silva@example.org", "status": "subscribed"}],
                           "postal_addresses": [{"postal_code": "K1P5J2"}]},
                "add_tags": ["transit-week"]}


def _write(kind: str, body: str, result: str, summary: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"post": {
        "summary": summary, "operationId": f"post_{kind}", "security": [{"allyKey": []}],
        "parameters": [SLUG],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"oneOf": [_ref(body), _ref("OsdiBody")]},
            "examples": {"own": {"summary": "Our field names", "value": SUPPORTER_EXAMPLE},
                         "osdi": {"summary": "OSDI, as Action Network-style tools send it", "value": OSDI_EXAMPLE}},
        }}},
        "responses": {
            **extra,
            "400": _error("The body is not JSON"),
            "403": _error("This key's ally may not act on this campaign"),
            "404": _error("No such campaign for this key, or it is the other kind (petition / letter)"),
            "409": _error("The campaign is not accepting actions now"),
            "413": _error("The body is larger than 64 KiB"),
            "415": _error("The body is not sent as application/json"),
            "422": _error("The body breaks the schema, or a supporter's detail breaks our rules (a name needs a "
                          "letter, a real Canadian postal code, an address that can receive mail); see fields"),
            **COMMON_ERRORS,
        },
    }}


@cache
def document() -> dict[str, Any]:
    read_errors = {"400": _error("lang is not en or fr"), **COMMON_ERRORS}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Advocacy API for allies", "version": "1.0.0",
                 "description": "Read campaigns, and post signatures and letters from your own forms. Writes need "
                                "an API key (Authorization: Bearer …); keys in the address are refused. Actions "
                                "posted here are checked, de-duplicated and confirmed by email exactly as on our "
                                "own pages, and record your organisation as their source."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"allyKey": {"type": "http", "scheme": "bearer",
                                            "description": "Your organisation's API key, shown once when made"}},
            "schemas": _schemas(),
        },
        "paths": {
            "/campaigns": {"get": {
                "summary": "Public campaigns open now (limited to your campaigns with a key)",
                "operationId": "list_campaigns", "security": READ_SECURITY, "parameters": [LANG],
                "responses": {"200": _json(_object({"campaigns": {"type": "array", "items": _ref("CampaignSummary")}}),
                                           "The campaigns", ETag=ETAG),
                              "304": {"description": "Not modified since the ETag sent"}, **read_errors},
            }},
            "/campaigns/{slug}": {"get": {
                "summary": "One campaign: texts, goal, live count (public campaigns), how it confirms",
                "operationId": "get_campaign", "security": READ_SECURITY, "parameters": [SLUG, LANG],
                "responses": {"200": _json(_ref("Campaign"), "The campaign", ETag=ETAG),
                              "304": {"description": "Not modified since the ETag sent"},
                              "404": _error("No such campaign (private campaigns need an ally key allowed them)"),
                              **read_errors},
            }},
            "/campaigns/{slug}/signatures": _write(
                "signature", "SignatureBody", "SignatureResult", "Sign a petition for a supporter",
                {"201": _json(_ref("SignatureResult"), "Recorded (or, on a private petition, answered as if new)"),
                 "200": _json(_ref("SignatureResult"), "This address had already signed this public petition")}),
            "/campaigns/{slug}/letters": _write(
                "letter", "LetterBody", "LetterResult", "Send a supporter's letter to their representatives",
                {"201": _json(_ref("LetterResult"), "Queued, or held until the supporter confirms")}),
            "/representatives": {"get": {
                "summary": "Who represents a postal code, by level",
                "operationId": "get_representatives", "security": READ_SECURITY,
                "parameters": [{"name": "postal_code", "in": "query", "required": True,
                                "schema": {"type": "string", "pattern": POSTAL_CODE_PATTERN},
                                "description": "Like K1P5J2 or K1P 5J2 (H0H 0H0 is refused)", "example": "K1P5J2"}],
                "responses": {"200": _json(_ref("Representatives"), "Found"),
                              "400": _error("Not a Canadian postal code; the message says why"),
                              "404": _json(_ref("UnknownPostalCode"), "Nobody knows this code: choose a district"),
                              **COMMON_ERRORS},
            }},
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
