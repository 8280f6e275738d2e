"""Load campaign files and report every problem as ``file: field.path: what is wrong``."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .schema import Campaign, CampaignRuleError

SUFFIX = ".toml"


class CampaignFileError(ValueError):
    """One or more campaign files are invalid; ``problems`` holds one line per problem.

    ``fields`` holds the same problems of one campaign as (field path, what is wrong) pairs, for forms
    that show each message beside its field (the admin editor).
    """

    def __init__(self, problems: list[str], fields: list[tuple[str, str]] | None = None) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.fields = fields or []


def _field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name in the schema tree, for "did you mean" hints on unknown keys."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for info in model.model_fields.values():
        for sub in _models_in(info.annotation):
            names |= _field_names(sub, seen)
    return names


def _models_in(annotation: Any) -> Iterable[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _models_in(arg)
    for meta in getattr(annotation, "__metadata__", ()) or ():
        yield from _models_in(meta)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        yield from _models_in(origin)


_KNOWN_FIELDS = sorted(_field_names(Campaign))


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _describe(error: dict[str, Any]) -> list[tuple[str, str]]:
    """One pydantic error as (field path, message) pairs; a ``CampaignRuleError`` holds several."""
    loc = [str(part) for part in error["loc"] if part not in {"representative", "official"}]
    # Drop the "function-after[...]" noise pydantic adds for model validators.
    loc = [part for part in loc if not part.startswith("function-")]
    path = ".".join(loc) or "(file)"
    kind = error["type"]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, CampaignRuleError):
        return [(".".join([*loc, *map(str, where)]), message) for where, message in cause.problems]
    if kind == "extra_forbidden":
        return [(path, "unknown field" + _hint(loc[-1], _KNOWN_FIELDS))]
    if kind == "missing":
        return [(path, "required field is missing")]
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", ""))
        return [(path, f"must be one of {', '.join(expected)}" + _hint(str(error.get("input")), expected))]
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        tag = error.get("ctx", {}).get("tag", "")
        hint = _hint(str(tag), ["representative", "official"]) if tag else ""
        return [(f"{path}.type", "must be 'representative' or 'official'" + hint)]
    if kind in {"bool_type", "bool_parsing"}:
        return [(path, "must be true or false, without quotes")]
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return [(path, "must be a whole number, without quotes")]
    if kind == "string_pattern_mismatch" and loc and loc[-1] in {"slug", "office"}:
        return [(path, "use lower-case letters, digits and hyphens only, like 'stop-offshoring'")]
    message = error["msg"].removeprefix("Value error, ")
    return [(path, message[0].lower() + message[1:] if message else message)]


def load_campaign_text(text: str, name: str, *, slug: str | None = None) -> Campaign:
    """Parse and validate one campaign's TOML text; raise ``CampaignFileError`` naming ``name``.

    ``slug``, when given, is the slug the file must declare (a file's slug is its name).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CampaignFileError([f"{name}: (syntax): {exc}"], [("(syntax)", str(exc))]) from exc
    found: list[tuple[str, str]] = []
    # Checked before validation so a file with other problems still reports this one.
    if slug is not None and isinstance(data.get("slug"), str) and data["slug"] != slug:
        found.append(("slug", f"{data['slug']!r} must match the file name {slug!r}"))
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            found.extend(_describe(error))
    if found:
        raise CampaignFileError([f"{name}: {path}: {message}" for path, message in found], found)
    return campaign


def load_file(path: Path) -> Campaign:
    """Load one campaign file, whose slug must be its file name without ``.toml``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CampaignFileError([f"{path.name}: (file): cannot read: {exc}"]) from exc
    return load_campaign_text(text, path.name, slug=path.stem)


def load_directory(directory: Path) -> list[Campaign]:
    """Load every ``*.toml`` file; raise one ``CampaignFileError`` listing every problem in every file."""
    if not directory.is_dir():
        raise CampaignFileError([f"{directory}: (directory): no such campaigns directory"])
    campaigns: list[Campaign] = []
    problems: list[str] = []
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        if path.name.startswith("."):  # editors' lock and backup files, such as Emacs's .#name.toml
            continue
        try:
            campaigns.append(load_file(path))
        except CampaignFileError as exc:
            problems.extend(exc.problems)
    # Files that look like campaigns but would be skipped silently: other formats, or ".TOML" in capitals.
    others = sorted(p.name for p in directory.iterdir()
                    if p.suffix.lower() in {".yaml", ".yml", ".json", SUFFIX} and p.suffix != SUFFIX)
    problems.extend(f"{name}: (file): campaign files are TOML; rename to .toml" for name in others)
    if problems:
        raise CampaignFileError(problems)
    return campaigns


def missing_translations(campaign: Campaign) -> list[tuple[str, str]]:
    """What a campaign lacks in French, by field path: not an error (French pages then show the English, marked
    ``lang="en"``), but worth a warning for a union that works in both languages."""
    missing = []
    if campaign.text.fr is None:
        missing.append(("text.fr", "no French text: French pages show the English title, summary and body"))
    for key, version in sorted(campaign.letters.items()):
        if version.fr is None:
            missing.append((f"letters.{key}.fr", "no French letter: supporters writing in French send the English"))
    return missing
