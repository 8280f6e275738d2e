"""Choosing one's riding on a letter preview, for the public page and the widget alike.

When a postal code straddles ridings (or wards), or no source knows it, the preview offers the likely
districts as radios and every district of the level as a list ("Not your riding? Choose it"); the
template is the ``district_choosers`` macro in templates/_macros/districts.html. The supporter's pick comes
back in fields named ``district_<level>`` (the radios) and ``district_<level>_any`` (the list).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..catalog import Campaign
from ..domain.errors import UnknownPostalArea
from ..domain.types import Level
from ..providers import RepresentativeProvider
from ..services.lookup import area_choices, list_districts
from ..services.targets import LEVEL_NAMES, Resolution, resolve_targets

Choice = tuple[str, str, str]  # district key, district name, who holds it


@dataclass(frozen=True)
class DistrictChooser:
    """One level's choice on the preview: the likely districts, the full list, and which one is in use."""

    level: str
    who: str  # "MPP", "MP", "city councillor", translated
    likely: list[Choice]
    every: list[Choice]
    current: str  # the district key in use ("" when none yet)
    ambiguous: bool  # offer the likely ones as radios


def chosen_districts(campaign: Campaign) -> dict[Level, str]:
    """The ridings the supporter picked ("Not your riding?"), from fields named ``district_<level>``."""
    chosen = {}
    for level in campaign.levels():
        # The full list wins over the likely ones: choosing from it is the more deliberate act.
        key = (request.form.get(f"district_{level}_any") or request.form.get(f"district_{level}") or "").strip()
        if key:
            chosen[Level(level)] = key[:200]
    return chosen


def resolve_or_choose(session: Session, campaign: Campaign, postal_code: str, provider: RepresentativeProvider,
                      chosen: dict[Level, str]) -> Resolution:
    """``resolve_targets``; when no source knows the code, nobody yet, with the reason, so the supporter can choose."""
    try:
        return resolve_targets(session, campaign, postal_code, provider, chosen=chosen)
    except UnknownPostalArea as exc:
        return Resolution([], None, [str(exc)])


def district_choosers(session: Session, campaign: Campaign, resolution: Resolution, chosen: dict[Level, str],
                      postal_code: str) -> list[DistrictChooser]:
    """For each level the letter goes to: the likely districts, the full list, and which one is in use."""
    nearby = area_choices(session, postal_code) if resolution.lookup is None else {}
    found_keys = {r.district_key for r in resolution.recipients}
    choosers = []
    for level_name in campaign.levels():
        level = Level(level_name)
        if resolution.lookup is not None:
            likely = [(c.district.key, c.district.name, ", ".join(r.name for r in c.representatives) or _("vacant"))
                      for c in resolution.lookup.choices(level)]
            ambiguous = resolution.lookup.ambiguous(level)
        else:
            likely = [(c.key, c.name, ", ".join(c.representatives) or _("vacant")) for c in nearby.get(level, [])]
            ambiguous = True
        current = chosen.get(level) or next((key for key, _n, _r in likely if key in found_keys), "")
        every = [(c.key, c.name, ", ".join(c.representatives)) for c in list_districts(session, level)]
        choosers.append(DistrictChooser(level_name, str(LEVEL_NAMES[level_name]), likely, every, current,
                                        ambiguous or not current))
    return choosers
