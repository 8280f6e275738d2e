"""Every XSS vector put into every field that a page, an email or an export shows back.

Values go in the way people put them in: campaigns through the editor form (then made live), signatures and
letters through the public forms with ``?source=``, staff holds with their reason through the admin form. Where
a form refuses a value, it goes in through the service behind the form instead, since data can arrive by other
roads (an import, an older version); ``Seeded.refused`` notes each refusal. What the forms refuse:

- names: a spreadsheet formula start (= + - @, also after a tab or CR, which are trimmed), a URL (``://``,
  ``www.``), no letter at all, or more than 100 characters. Every XSS vector is accepted as a name (cut to 100);
- letter templates in the editor: ``{{ … }}`` calling a function (vector 29) is refused, so that campaign's
  letter keeps plain text; every other vector is accepted in every editor field;
- a letter's subject: more than 200 characters or a line break (none of the vectors).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

from advocacy.domain.types import Supporter
from advocacy.models.base import utcnow
from advocacy.services.allies import create_ally
from advocacy.services.letters import LetterEdits, compose_letters, submit_letter
from advocacy.services.petitions import sign_petition
from advocacy.services.targets import resolve_targets

from ..admin.editor_forms import letter_form
from ..conftest import csrf_token
from .xss_vectors import XSS_VECTORS

PETITION = "the-rich-and-the-rest-of-us"  # signatures counted at once, shown by source on its dashboard
LETTER = "stop-offshoring"  # supporters may rewrite the letter
POSTAL_CODE = "K1P 5J2"
# Spreadsheet formula starts: never the first character of a CSV cell.
FORMULAS = ["=HYPERLINK(\"http://evil.test\",\"x\")", "+SUM(1,1)", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1"]
TEXT_FIELDS = ("title", "summary", "body", "thank_you", "share_text", "consent")
_SUMMARY = re.compile(r"<li><a href=\"#[^\"]+\">(.*?)</a></li>")
_PROBLEM = re.compile(r'<li><a href="#f-[a-z-]+">([^<]+)</a></li>')


def campaign_slug(index: int) -> str:
    return f"xss-{index}"


def ally_slug(index: int) -> str:
    return f"xss-ally-{index}"


def email_of(index: int, kind: str) -> str:
    return f"xss-{kind}-{index}@example.com"


def _letter_toml(subject: str, body: str) -> str:
    # JSON strings are TOML basic strings.
    return ('[[targets]]\ntype = "representative"\nlevel = "provincial"\n\n[letters.default.en]\n'
            f"subject = {json.dumps(subject)}\nbody = {json.dumps(body)}\n")


@dataclass
class Seeded:
    refused: list[str] = field(default_factory=list)


def _post(client, url: str, data: dict[str, str], page: str | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data})


def seed_campaigns(editor, seeded: Seeded) -> None:
    """One live letter campaign per vector, made in the editor: every text field and the letter carry it."""
    for index, vector in enumerate(XSS_VECTORS):
        slug = campaign_slug(index)
        values = {key: value for key, value in letter_form(slug).items() if not key.startswith("text.fr")}
        values.update({f"text.en.{name}": vector for name in TEXT_FIELDS})
        values.update(targets_and_letters=_letter_toml(vector, vector), confirm="off", intent="save")
        response = _post(editor, "/admin/editor/new", values)
        if response.status_code != 303:
            problems = _PROBLEM.findall(response.get_data(as_text=True))
            seeded.refused.append(f"editor, vector {index}: {problems}")
            values["targets_and_letters"] = _letter_toml("Plain subject", "Plain letter.")
            response = _post(editor, "/admin/editor/new", values)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        response = _post(editor, f"/admin/editor/{slug}/status", {"status": "live"}, page=f"/admin/editor/{slug}")
        assert response.status_code == 303


def seed_allies(ctx) -> None:
    """An ally per vector: its name and opt-in wording are the vector (allies are made by the CLI and services),
    with a signature it brought, so that the dashboard names it among the sources."""
    with ctx.db.transaction() as session:
        for index, vector in enumerate(XSS_VECTORS):
            create_ally(session, ally_slug(index), vector, opt_in_wording=vector, now=utcnow())
            sign_petition(session, ctx.catalog.get(PETITION), Supporter("Ally", "Friend", email_of(index, "ally"),
                                                                        "K1P5J2"),
                          now=utcnow(), source=f"ally:{ally_slug(index)}")


def _names(value: str) -> tuple[str, str]:
    return value[:100], value[:100]


def seed_supporters(client, ctx, seeded: Seeded, *, vectors: list[str] = XSS_VECTORS, tag: str = "") -> None:
    """For each value: a signature and a letter with it as names, letter subject and body, and ``?source=``."""
    for index, vector in enumerate(vectors):
        first, last = _names(vector)
        person = {"first_name": first, "last_name": last, "postal_code": POSTAL_CODE}
        signed = _post(client, f"/campaigns/{PETITION}?source={_quote(vector)}",
                       {**person, "email": email_of(index, f"sign{tag}")}, page=f"/campaigns/{PETITION}")
        if signed.status_code not in (302, 303):
            seeded.refused.append(f"petition form, value {index}: {_problems(signed)}")
            with ctx.db.transaction() as session:
                sign_petition(session, ctx.catalog.get(PETITION), Supporter(first, last, email_of(index, f"sign{tag}"),
                                                                            "K1P5J2"),
                              now=utcnow(), source=vector[:80])
        letter = {**person, "email": email_of(index, f"write{tag}"), "subject": vector[:200], "body": vector,
                  "intent": "send"}
        wrote = _post(client, f"/campaigns/{LETTER}?source={_quote(vector)}", letter, page=f"/campaigns/{LETTER}")
        if wrote.status_code not in (302, 303):
            seeded.refused.append(f"letter form, value {index}: {_problems(wrote)}")
            write_letter(ctx, LETTER, Supporter(first, last, email_of(index, f"write{tag}"), "K1P5J2"),
                         edits=LetterEdits(vector[:200], vector), source=vector[:80])


def write_letter(ctx, slug: str, person: Supporter, *, edits: LetterEdits | None = None, source: str = "") -> int:
    """A letter written through the service (no form): committed, its letters and supporter email queued."""
    from advocacy.services.confirmations import queue_receipt

    campaign = ctx.catalog.get(slug)
    with ctx.db.transaction() as session:
        recipients = resolve_targets(session, campaign, person.postal_code, ctx.provider).recipients
        action = submit_letter(session, campaign, person, compose_letters(campaign, recipients, person, edits=edits),
                               now=utcnow(), message_domain=ctx.message_domain, source=source)
        queue_receipt(session, campaign, [action], mail=ctx.mail, now=utcnow())
        return action.id


def _problems(response) -> list[str]:
    page = response.get_data(as_text=True)
    found = [html.unescape(re.sub(r"<[^>]+>", "", item)) for item in _SUMMARY.findall(page)]
    return found or [str(response.status_code)]


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value[:80], safe="")
