"""Represent-shaped JSON for tests, built after the documented shapes (made-up people and addresses)."""

from __future__ import annotations

from typing import Any

FED = "federal-electoral-districts-2023-representation-order"
OLD_FED = "federal-electoral-districts"  # the retired 2013 map: boundaries, nobody sits for them
PROV = "ontario-electoral-districts-representation-act-2015"
WARDS = "ottawa-wards"
CITY = "census-subdivisions"
SCHOOL = "ottawa-carleton-district-school-board-zones"


def boundary(boundary_set: str, slug: str, name: str, external_id: str | None = "") -> dict[str, Any]:
    return {"url": f"/boundaries/{boundary_set}/{slug}/", "name": name, "external_id": external_id,
            "related": {"boundary_set_url": f"/boundary-sets/{boundary_set}/"},
            "boundary_set_name": boundary_set.replace("-", " ").capitalize()}


def person(name: str, office: str, district: str, people_set: str, boundary_url: str | None, *,
           email: str = "", party: str = "", offices: list[dict[str, str]] | None = None) -> dict[str, Any]:
    first, _, last = name.partition(" ")
    related = {"representative_set_url": f"/representative-sets/{people_set}/"}
    if boundary_url:
        related["boundary_url"] = boundary_url
    return {"name": name, "first_name": first, "last_name": last, "district_name": district,
            "elected_office": office, "source_url": f"https://example.org/{people_set}", "party_name": party,
            "email": email, "url": "", "personal_url": "", "photo_url": "", "gender": "",
            "offices": offices if offices is not None else [], "extra": {},
            "representative_set_name": people_set.replace("-", " ").title(), "related": related}


def mp(name: str, fed_num: str, district: str, email: str) -> dict[str, Any]:
    return person(name, "MP", district, "house-of-commons", f"/boundaries/{FED}/{fed_num}/", email=email,
                  party="Liberal", offices=[
                      {"type": "legislature", "tel": "1 613 555-0001",
                       "postal": "House of Commons\nOttawa ON  K1A 0A6"},
                      {"type": "constituency", "tel": "1 613 555-0002", "fax": "1 613 555-0003",
                       "postal": "Main office\n1 Example Street\nOttawa ON  K1P 0A1"}])


def mpp(name: str, slug: str, district: str, email: str, *, with_boundary: bool = True) -> dict[str, Any]:
    return person(name, "MPP", district, "ontario-legislature",
                  f"/boundaries/{PROV}/{slug}/" if with_boundary else None, email=email,
                  party="New Democratic Party of Ontario",
                  offices=[{"type": "legislature", "tel": "1 416 555-0010"}])


def postcode(code: str, *, concordance: list[dict] | None = None, centroid: list[dict] | None = None,
             reps_concordance: Any = ..., reps_centroid: Any = ..., city: str = "OTTAWA") -> dict[str, Any]:
    """``...`` leaves a representatives key out altogether, as Represent does when it would be empty."""
    answer: dict[str, Any] = {"code": code, "city": city, "province": "ON",
                              "centroid": {"type": "Point", "coordinates": [-75.7, 45.42]},
                              "boundaries_concordance": concordance or [], "boundaries_centroid": centroid or []}
    if reps_concordance is not ...:
        answer["representatives_concordance"] = reps_concordance
    if reps_centroid is not ...:
        answer["representatives_centroid"] = reps_centroid
    return answer


OTTAWA_CENTRE_MP = mp("Pat Example", "35079", "Ottawa Centre", "pat.example@parl.example")
OTTAWA_CENTRE_MPP = mpp("Lee Sample", "ottawa-centre", "Ottawa Centre", "lsample-co@ola.example")
SOMERSET = person("Ari Placeholder", "Councillor", "Somerset", "ottawa-city-council",
                  f"/boundaries/{WARDS}/somerset/", email="ari.placeholder@city.example",
                  offices=[{"type": "legislature", "tel": "1 613 555-0020", "postal": "City Hall\nOttawa ON  K1P 1J1"}])
MAYOR = person("Jo Mayor", "Mayor", "Ottawa", "ottawa-city-council", f"/boundaries/{CITY}/3506008/",
               email="mayor@city.example")


def k1p1a4() -> dict[str, Any]:
    """Three levels by centroid, the retired federal map beside the current one, a school zone, and the
    mayor listed twice (Represent has been seen repeating people)."""
    return postcode("K1P1A4", centroid=[
        boundary(FED, "35079", "Ottawa Centre", "35079"), boundary(OLD_FED, "35075", "Ottawa Centre", "35075"),
        boundary(PROV, "ottawa-centre", "Ottawa Centre", None), boundary(WARDS, "somerset", "Somerset", "14"),
        boundary(CITY, "3506008", "Ottawa", "3506008"), boundary(SCHOOL, "zone-9", "Zone 9"),
    ], reps_centroid=[OTTAWA_CENTRE_MP, OTTAWA_CENTRE_MPP, SOMERSET, MAYOR, MAYOR])


def roster_page(people: list[dict[str, Any]], *, total: int, next_path: str | None,
                offset: int = 0) -> dict[str, Any]:
    return {"objects": people, "meta": {"offset": offset, "limit": len(people), "total_count": total,
                                        "previous": None, "next": next_path}}
