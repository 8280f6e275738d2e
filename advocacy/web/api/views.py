"""GET /api/v1/representatives?postal_code=K1P1A4: who represents a postal code, grouped by level.

CORS headers come from campaigns.py's after_request hook, which covers every read endpoint."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Response, jsonify, request

from ...domain.errors import InvalidPostalCode
from ...domain.postal import format_postal_code, normalise_postal_code
from ...domain.types import ELECTED_LEVELS, Candidate, Level, Lookup, Representative
from ...services.lookup import DistrictChoice, find_representatives
from ..common import app_context, db_session
from . import bp
from .auth import caller, limit
from .schemas import POSTAL_CODE_PATTERN

SEAT = {Level.FEDERAL: "federal riding", Level.PROVINCIAL: "provincial riding", Level.MUNICIPAL: "ward"}
WHO = {Level.FEDERAL: "Member of Parliament", Level.PROVINCIAL: "MPP", Level.MUNICIPAL: "municipal council"}
POSTAL_CODE_SHAPE = re.compile(POSTAL_CODE_PATTERN)
ATTRIBUTION = "Data: Open North Represent API (represent.opennorth.ca) and our directory"


def _reply(body: dict[str, Any], status: int = 200) -> tuple[Response, int]:
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=300" if status == 200 else "no-store"
    return response, status


@bp.get("/representatives")
def representatives() -> tuple[Response, int]:
    limit(caller(required=False))
    raw = request.args.get("postal_code", "")
    try:
        normalise_postal_code(raw)  # first, for its precise reasons ("never use the letter D there")
        if not POSTAL_CODE_SHAPE.fullmatch(raw):
            # Readable, but not in the one shape the OpenAPI document promises (our own script sends A1A1A1).
            raise InvalidPostalCode("Send the postal code as A1A1A1 or A1A 1A1")
        finding = find_representatives(db_session(), app_context().provider, raw)
    except InvalidPostalCode as exc:
        return _reply({"error": str(exc)}, 400)
    if finding.lookup is None:
        code = format_postal_code(finding.postal_code)
        return _reply({
            "error": f"We couldn't find {code}. New postal codes can take a while to appear: check it, "
                     f"or choose your riding from the list.",
            "postal_code": finding.postal_code, "choices_scope": finding.choices_scope,
            "choices": {level.value: [_choice(c) for c in found] for level, found in finding.choices.items()},
        }, 404)
    return _reply(_lookup(finding.lookup))


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _lookup(lookup: Lookup) -> dict[str, Any]:
    return {
        "postal_code": lookup.postal_code, "display": format_postal_code(lookup.postal_code), "city": lookup.city,
        "source": lookup.source, "stale": lookup.stale, "fetched_at": _when(lookup.fetched_at),
        "levels": {level.value: _level(lookup, level) for level in ELECTED_LEVELS},
        "attribution": ATTRIBUTION,
    }


def _level(lookup: Lookup, level: Level) -> dict[str, Any]:
    candidates = lookup.choices(level)
    if not candidates:
        status, message = "no data", f"We don't have your {WHO[level]} for this postal code. You can choose below."
    elif lookup.ambiguous(level):
        status, message = "ambiguous", f"Your postal code may be in more than one {SEAT[level]}. Which is yours?"
    elif candidates[0].vacant:
        status, message = "vacant", f"The seat for {candidates[0].district.name} is vacant right now."
    else:
        status, message = "found", ""
    return {"status": status, "message": message, "candidates": [_candidate(c) for c in candidates]}


def _candidate(candidate: Candidate) -> dict[str, Any]:
    return {
        "district": {"key": candidate.district.key, "name": candidate.district.name},
        "match": candidate.match.value, "confidence": candidate.confidence.value, "share": candidate.share,
        "source": candidate.source, "vacant": candidate.vacant,
        "representatives": [_person(p) for p in candidate.representatives],
    }


def _person(person: Representative) -> dict[str, Any]:
    return {"name": person.name, "office": person.office, "district": person.district, "party": person.party,
            "email": person.email, "phone": person.phone, "postal_address": person.postal_address,
            "source": person.source, "source_url": person.source_url, "fetched_at": _when(person.fetched_at),
            "demo": person.demo}


def _choice(choice: DistrictChoice) -> dict[str, Any]:
    return {"key": choice.key, "name": choice.name, "group": choice.group,
            "representatives": list(choice.representatives)}
