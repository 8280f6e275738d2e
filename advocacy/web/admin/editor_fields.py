"""The campaign editor's fields: one per campaign field path, grouped in sections, and where each problem goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from ...services.campaign_editor import LANGS, TARGETS_FIELD, TEXT_FIELDS

STARTER_TARGETS = '''[[targets]]
type = "representative"   # each supporter's own MP, MPP or councillor, found from their postal code
level = "provincial"      # "federal", "provincial" or "municipal"

[letters.default.en]
subject = "Write the subject here"
body = """
Write the letter here. The greeting and the supporter's signature are added for you.
"""
'''
TEXT_LABELS = {"title": _l("Title"), "summary": _l("Summary"), "body": _l("Why this matters (Markdown)"),
               "thank_you": _l("Thank-you message"), "share_text": _l("Share text"),
               "consent": _l("Consent wording (the opt-in checkbox)")}
TEXT_ROWS = {"summary": 3, "body": 12, "thank_you": 3, "consent": 2}


@dataclass
class EditorField:
    """One input, named by its campaign field path; ``errors`` hold "path: problem" lines."""

    name: str
    label: Any
    kind: str = "text"  # text | textarea | select | checkbox | date | number | fixed
    hint: Any = ""
    value: str = ""
    choices: tuple[tuple[str, Any], ...] = ()
    rows: int = 3
    width: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


@dataclass
class Section:
    title: Any
    fields: list[EditorField]
    hint: Any = ""


@dataclass
class FieldErrors:
    by_field: dict[str, list[str]]
    ids: dict[tuple[str, str], str]  # problem -> the id of the field it is shown beside


def _owner(path: str, names: list[str]) -> str | None:
    if path.split(".", 1)[0] in {"targets", "letters"} or path == TARGETS_FIELD:
        return TARGETS_FIELD
    exact = [name for name in names if path == name or path.startswith(name + ".")]
    if exact:
        return max(exact, key=len)
    inside = [name for name in names if name.startswith(path + ".")]  # "text.fr" as a whole: its first field
    return inside[0] if inside else None


def field_names() -> list[str]:
    names = ["slug", "kind", "visibility", "goal", "opens", "closes", "confirm", "editable",
             "petition.milestones", "petition.schedule", "petition.at_close", "embed.allowed_origins"]
    names += [f"text.{lang}.{name}" for lang in LANGS for name in TEXT_FIELDS]
    return [*names, TARGETS_FIELD]


def errors_by_field(problems: list[tuple[str, str]] | tuple[()]) -> FieldErrors:
    names = field_names()
    by_field: dict[str, list[str]] = {}
    ids: dict[tuple[str, str], str] = {}
    for path, message in problems:
        owner = _owner(path, names)
        if owner is not None:
            by_field.setdefault(owner, []).append(f"{path}: {message}")
            ids[(path, message)] = EditorField(owner, "").id
    return FieldErrors(by_field, ids)


def editor_sections(values: dict[str, str], errors: FieldErrors, *, creating: bool) -> list[Section]:
    """The form, filled with ``values`` and the problems found; slug and kind are fixed once a campaign exists."""
    kind = values.get("kind") or "petition"

    def f(name: str, label: Any, kind_: str = "text", **extra: Any) -> EditorField:
        return EditorField(name, label, kind_, value=values.get(name, ""), errors=errors.by_field.get(name, []),
                           **extra)

    about = [
        f("slug", _l("Slug"), "text" if creating else "fixed", width="w-30",
          hint=_l("The end of the address /campaigns/… : lower-case letters, digits and hyphens, like "
                   "fund-transit-now. It cannot change later.")),
        f("kind", _l("Kind"), "select" if creating else "fixed",
          choices=(("petition", _l("Petition")), ("letter", _l("Letter to representatives")))),
        f("visibility", _l("Visibility"), "select", choices=(("public", _l("Public: listed, with its count")),
                                                               ("private", _l("Private: by link only, no count")))),
        f("goal", _l("Goal"), "number", width="w-10", hint=_l("The number on the progress bar.")),
        f("opens", _l("Opens on (optional)"), "date", hint=_l("First day, Toronto time.")),
        f("closes", _l("Closes after (optional)"), "date", hint=_l("Last day, included, Toronto time.")),
        f("confirm", _l("Email confirmation"), "select",
          choices=(("", _l("Default: required for letters, optional for petitions")), ("required", _l("Required")),
                   ("optional", _l("Optional")), ("off", _l("Off")))),
    ]
    if kind == "letter":
        about.append(f("editable", _l("Supporters may rewrite the letter"), "checkbox",
                       hint=_l("Only with one letter version whose subject and body name no target.")))
    sections = [Section(_l("About the campaign"), about)]
    for lang, title in (("en", _l("English text")), ("fr", _l("French text (optional)"))):
        sections.append(Section(title, [
            f(f"text.{lang}.{name}", TEXT_LABELS[name], "textarea" if name in TEXT_ROWS else "text",
              rows=TEXT_ROWS.get(name, 3), width="w-full") for name in TEXT_FIELDS],
            hint=_l("Leave every field empty to use the English text.") if lang == "fr" else ""))
    if kind == "petition":
        sections.append(Section(_l("Delivering the petition"), [
            f("petition.milestones", _l("Deliver at these signature counts"), width="w-30",
              hint=_l("Whole numbers separated by commas, like 1000, 5000. Leave empty for none.")),
            f("petition.schedule", _l("Also deliver"), "select",
              choices=(("none", _l("Not on a schedule")), ("weekly", _l("Every week")),
                       ("monthly", _l("Every month")))),
            f("petition.at_close", _l("Deliver when the campaign closes"), "checkbox"),
        ]))
    sections.append(Section(_l("Embedding on other sites"), [
        f("embed.allowed_origins", _l("Sites allowed to embed the form"), "textarea", rows=3, width="w-full",
          hint=_l("One origin per line, like https://ally.example.org (no path). Leave empty for none.")),
    ]))
    sections.append(Section(_l("Targets, letters and delivery"), [
        f(TARGETS_FIELD, _l("Targets and letters (TOML)"), "textarea", rows=18, width="w-full code",
          hint=_l("[[targets]] blocks (with their delivery policy) and [letters.default.en] tables (also .fr, and "
                  "other keys than default), written exactly as in a campaign file: see campaigns/README.md.")),
    ]))
    return sections
