"""The postal-code normaliser: every real Ontario code passes; malformed ones fail with the reason."""

from __future__ import annotations

import csv
import gzip

import pytest

from advocacy.domain.errors import InvalidPostalCode
from advocacy.domain.postal import normalise_postal_code

from ..conftest import SHARED_DATA

CENTROIDS = SHARED_DATA / "on_postcode_centroid_ed.csv.gz"


@pytest.mark.skipif(not CENTROIDS.exists(), reason=f"{CENTROIDS} is absent (shared reference data)")
def test_every_ontario_postal_code_in_the_reference_file_is_accepted_as_typed_three_ways():
    with gzip.open(CENTROIDS, "rt", encoding="utf-8", newline="") as stream:
        codes = [row["postal_code"] for row in csv.DictReader(stream)]
    assert len(codes) > 290_000
    for code in codes:
        assert normalise_postal_code(code) == code
        assert normalise_postal_code(f" {code[:3].lower()} {code[3:].lower()} ") == code
        assert normalise_postal_code(f"{code[:3]}-{code[3:]}") == code


@pytest.mark.parametrize(("typed", "reason"), [
    ("", "Enter your postal code"),
    ("K1P 1A", "6 characters"),
    ("K1P 1A44", "6 characters"),
    ("11P 1A4", "Character 1 of a postal code must be a letter"),
    ("KAP 1A4", "Character 2 of a postal code must be a digit"),
    ("D1P 1A4", "never use the letter D"),
    ("W1P 1A4", "never use the letter W"),
    ("K1O 1A4", "never use the letter O"),
    ("H0H 0H0", "Santa"),
])
def test_malformed_codes_are_refused_with_the_reason(typed, reason):
    with pytest.raises(InvalidPostalCode, match=reason):
        normalise_postal_code(typed)
