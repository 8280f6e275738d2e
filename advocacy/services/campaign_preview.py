"""What the editor previews: the letter each target group of a campaign receives, from a sample supporter."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from ..catalog.schema import Campaign, OfficialTarget
from ..domain.errors import UnknownPostalArea
from ..domain.types import Level, Match, Recipient, RenderedLetter, Supporter
from ..providers import RepresentativeProvider
from .letters import compose_letters
from .targets import LEVEL_NAMES, resolve_targets

SAMPLE_SUPPORTER = Supporter(first_name="Sam", last_name="Sample", email="sam.sample@example.org",
                             postal_code="K1P5J2")


@dataclass(frozen=True)
class GroupPreview:
    """One target rule: who it reaches, and its letter in each language the campaign has."""

    index: int
    who: str
    letters: tuple[tuple[str, RenderedLetter], ...]  # (language, letter)
    problem: str = ""


def _sample_recipient(session: Session, campaign: Campaign, index: int,
                      provider: RepresentativeProvider) -> tuple[Recipient, str]:
    target = campaign.targets[index]
    if isinstance(target, OfficialTarget):
        single = campaign.model_copy(update={"targets": (target,)})
        try:
            found = resolve_targets(session, single, "", provider).recipients
        except UnknownPostalArea:
            found = []
        if found:
            return replace(found[0], target_group=index), ""
        return (Recipient(name=f"[{target.office}]", office=target.office, district="", email="",
                          level=Level.OFFICIAL, letter_key=target.letter, match=Match.DIRECTORY.value,
                          target_group=index), f"The office {target.office} is not in the directory yet.")
    office = LEVEL_NAMES[target.level]
    # Each supporter's own representative: the placeholders show where their name and riding go.
    return Recipient(name=f"[the {office}'s name]", office=office.capitalize() if office.islower() else office,
                     district="[riding]", email="", level=Level(target.level), letter_key=target.letter,
                     match="preview", target_group=index), ""


def preview_letters(session: Session, campaign: Campaign, provider: RepresentativeProvider) -> list[GroupPreview]:
    """For each target rule, the letter as its office would read it, signed by a sample supporter."""
    previews = []
    for index, target in enumerate(campaign.targets):
        recipient, problem = _sample_recipient(session, campaign, index, provider)
        who = f"{recipient.name}, {recipient.office}" if isinstance(target, OfficialTarget) \
            else f"Each supporter's {LEVEL_NAMES[target.level]}"
        letters: list[tuple[str, RenderedLetter]] = []
        version = campaign.letters.get(target.letter)
        if version is not None:
            for lang in ("en", "fr") if version.fr else ("en",):
                letters.extend((lang, letter) for letter in
                               compose_letters(campaign, [recipient], SAMPLE_SUPPORTER, lang=lang))
        previews.append(GroupPreview(index, who, tuple(letters), problem))
    return previews
