"""What a campaigner types into the campaign editor, as the form posts it."""

from __future__ import annotations

from ..conftest import csrf_token

TARGETS = '''[[targets]]
type = "official"
office = "premier-of-ontario"
letter = "premier"

[[targets]]
type = "representative"
level = "provincial"
letter = "mpp"
delivery = { mode = "digest", period = "day" }

[letters.premier.en]
subject = "Fix the roof"
body = """
Premier, please fund the repair.
"""

[letters.premier.fr]
subject = "Réparez le toit"
body = """
Madame la première ministre, financez la réparation.
"""

[letters.mpp.en]
subject = "Support the repair"
greeting = "Dear {{ target.name }}, MPP for {{ target.district }},"
body = """
As your constituent, I ask you to press the Premier.
"""
'''


def letter_form(slug: str, **changes: str) -> dict[str, str]:
    values = {
        "slug": slug, "kind": "letter", "visibility": "public", "goal": "500", "confirm": "off",
        "text.en.title": f"Fix the roof ({slug})", "text.en.summary": "Water is pouring into the courthouse.",
        "text.en.body": "The roof has leaked for **three winters**.\r\n\r\nFix it.",
        "text.en.thank_you": "Thank you.", "text.en.share_text": "I wrote about the roof:",
        "text.en.consent": "Email me about this campaign.",
        "text.fr.title": "Réparez le toit", "text.fr.summary": "L'eau entre.", "text.fr.body": "Le toit fuit.",
        "text.fr.thank_you": "Merci.", "text.fr.share_text": "J'ai écrit :", "text.fr.consent": "Écrivez-moi.",
        "embed.allowed_origins": "https://ally.example.org\r\nhttp://localhost:8080",
        "targets_and_letters": TARGETS.replace("\n", "\r\n"),  # as a browser sends a textarea
    }
    values.update(changes)
    return values


def petition_form(slug: str, **changes: str) -> dict[str, str]:
    values = {key: value for key, value in letter_form(slug).items() if not key.startswith("targets")}
    values.update({"kind": "petition", "confirm": "", "petition.milestones": "100, 1000",
                   "petition.at_close": "y", "targets_and_letters": '[[targets]]\ntype = "official"\n'
                                                                    'office = "premier-of-ontario"\n'})
    values.update(changes)
    return values


def post_editor(client, url: str, data: dict[str, str], *, page: str | None = None, follow: bool = False):
    """Post to the editor with the CSRF token of ``page`` (default: the same address)."""
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)


def create(client, data: dict[str, str], **kwargs: object):
    return post_editor(client, "/admin/editor/new", {**data, "intent": "save"}, **kwargs)


def set_status(client, slug: str, status: str, **kwargs: object):
    data = {"status": status, **({"confirmed": "yes"} if status == "closed" else {})}
    return post_editor(client, f"/admin/editor/{slug}/status", data, page=f"/admin/editor/{slug}", **kwargs)
