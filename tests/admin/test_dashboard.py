"""The staff dashboards: the numbers after supporters sign and write through the public forms, the charts,
and fixing dead letters (retry, cancel) by role."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import select

from advocacy.domain.errors import ChannelError
from advocacy.models import AuditEntry, Delivery, DeliveryEvent
from advocacy.worker import Worker

from ..conftest import confirm_by_email, csrf_token, post_form

PETITION = "the-rich-and-the-rest-of-us"
LETTER = "stop-offshoring"


class RefusingChannel:
    """Every message is refused for good, as a server answering 550 would: dead letters to fix."""

    name = "refusing"

    @contextmanager
    def batch(self):
        yield self

    def send(self, message) -> None:
        raise ChannelError("550 5.1.1 mailbox unavailable", permanent=True)


def sign(client, first: str, email: str, postal_code: str, source: str = "") -> None:
    url = f"/campaigns/{PETITION}" + (f"?source={source}" if source else "")
    response = post_form(client, url, {"first_name": first, "last_name": "Lee", "email": email,
                                       "postal_code": postal_code})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def figure(page: str, name: str) -> str:
    return re.search(rf'id="count-{name}">([\d,]+)<', page).group(1)


def dead_letter(client, ctx) -> int:
    """A petition signer whose confirmation email is refused for good; returns that delivery's id."""
    sign(client, "Dee", "dee@example.com", "K1R7S8")
    Worker(ctx, RefusingChannel()).run_once()
    with ctx.db.transaction() as session:
        return session.scalars(select(Delivery.id).where(Delivery.status == "failed")).one()


def test_admin_front_page_lists_every_campaign_with_counts_and_progress(client, staff_client):
    sign(client, "Ann", "ann@example.com", "M5V3L9")
    sign(client, "Bo", "bo@example.com", "K1R7S8")
    post_form(client, f"/campaigns/{LETTER}", {"first_name": "Cy", "last_name": "Li", "email": "cy@example.com",
                                               "postal_code": "k1p5j2", "intent": "send"})
    viewer = staff_client("viewer")
    page = viewer.get("/admin/", follow_redirects=True).get_data(as_text=True)
    row = re.search(r"The Rich and the Rest of Us</a></th>(.*?)</tr>", page, re.S).group(1)
    numbers = re.findall(r'class="number">([\d,]+)<', row)
    assert numbers == ["2", "0", "0", "10,000"]  # confirmed, pending, in review, goal
    letter_row = re.search(r"Stop Offshoring.*?</a></th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'class="number">([\d,]+)<', letter_row)[:2] == ["0", "1"]  # waits for its email link
    assert "Together FAIRNESS WORKS!" in page  # campaigns with no actions are listed too


def test_campaign_dashboard_numbers_charts_and_tables(client, staff_client):
    sign(client, "Ann", "ann@example.com", "M5V3L9", source="newsletter")  # Spadina—Fort York
    sign(client, "Bo", "bo@example.com", "K1R7S8")  # Ottawa Centre
    sign(client, "Cy", "cy@example.com", "K1R5A4", source="newsletter")  # Ottawa Centre
    page = staff_client("viewer").get(f"/admin/campaigns/{PETITION}").get_data(as_text=True)
    assert figure(page, "confirmed") == "3" and figure(page, "pending") == "0"
    assert "3 of 10,000 (0%)" in page
    ridings = re.search(r'id="by-riding">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<td>([^<]+)</td><td class=\"number\">(\d+)</td>", ridings) == [
        ("Ottawa Centre", "2"), ("Spadina—Fort York", "1")]
    sources = re.search(r'id="by-source">(.*?)</table>', page, re.S).group(1)
    assert "<td>newsletter</td><td></td><td class=\"number\">2</td>" in sources
    assert "<td>Direct (no source)</td><td></td><td class=\"number\">1</td>" in sources
    # Charts are inline SVG images with a title and a description, and nothing comes from another site.
    assert page.count('role="img"') == 3 and '<title id="chart-days-title">' in page and "<desc id=" in page
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page


def test_letter_dashboard_counts_pending_then_confirmed_and_letters_per_office(client, db, staff_client):
    post_form(client, f"/campaigns/{LETTER}", {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com",
                                               "postal_code": "k1p5j2", "intent": "send"})
    viewer = staff_client("viewer")
    page = viewer.get(f"/admin/campaigns/{LETTER}").get_data(as_text=True)
    assert figure(page, "confirmed") == "0" and figure(page, "pending") == "1"

    confirm_by_email(client, db, "bo@example.com")
    page = viewer.get(f"/admin/campaigns/{LETTER}").get_data(as_text=True)
    assert figure(page, "confirmed") == "1" and figure(page, "pending") == "0"
    offices = re.search(r'id="letters-per-office">(.*?)</table>', page, re.S).group(1)
    assert "mpp.ottawa-centre@demo.invalid" in offices and "minister.service-delivery@demo.invalid" in offices
    # Each office: 1 letter, 0 sent, 1 waiting (queued now that the writer confirmed), 0 failed.
    rows = re.findall(r"<tr><td>(.*?)</tr>", offices, re.S)
    assert [re.findall(r'class="number">(\d+)<', row) for row in rows] == [["1", "0", "1", "0"]] * 2
    states = re.search(r'id="delivery-states">(.*?)</table>', page, re.S).group(1)
    assert re.search(r'Letters to offices</th>.*?data-state="queued">2<', states, re.S)


def test_viewer_sees_dead_letters_but_cannot_retry_or_cancel(client, ctx, staff_client):
    failed = dead_letter(client, ctx)
    viewer = staff_client("viewer")
    page = viewer.get(f"/admin/campaigns/{PETITION}").get_data(as_text=True)
    dead = re.search(r'id="dead-letters">(.*?)</table>', page, re.S).group(1)
    assert "dee@example.com" in dead and "550 5.1.1 mailbox unavailable" in dead
    assert "Retry" not in dead and "/retry" not in dead
    assert viewer.get(f"/admin/deliveries/{failed}/retry").status_code == 403
    token = csrf_token(viewer, f"/admin/campaigns/{PETITION}")  # the log-out form's token: a valid one
    for change in ("retry", "cancel"):
        assert viewer.post(f"/admin/deliveries/{failed}/{change}", data={"csrf_token": token}).status_code == 403
    with ctx.db.transaction() as session:
        assert session.get(Delivery, failed).status == "failed"


def test_campaigner_retries_a_dead_letter_after_confirming_and_it_is_audited(client, ctx, staff_client):
    failed = dead_letter(client, ctx)
    campaigner = staff_client("campaigner")
    page = campaigner.get(f"/admin/campaigns/{PETITION}").get_data(as_text=True)
    assert f"/admin/deliveries/{failed}/retry" in page
    ask = campaigner.get(f"/admin/deliveries/{failed}/retry").get_data(as_text=True)
    assert "will be queued again now" in ask and "dee@example.com" in ask
    response = post_form(campaigner, f"/admin/deliveries/{failed}/retry", {})
    assert response.status_code == 302 and response.location.endswith(f"/admin/campaigns/{PETITION}")
    with ctx.db.transaction() as session:
        delivery = session.get(Delivery, failed)
        assert (delivery.status, delivery.attempts) == ("queued", 0)
        event = session.scalars(select(DeliveryEvent).where(DeliveryEvent.delivery_id == failed)
                                .order_by(DeliveryEvent.id.desc())).first()
        assert event.reason == f"retried by {campaigner.staff.email}"
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "delivery.retry")).one()
        assert (entry.actor, entry.target, entry.detail["from"], entry.detail["to"]) == (
            campaigner.staff.email, f"delivery:{failed}", "failed", "queued")
    assert "was queued again" in campaigner.get(response.location).get_data(as_text=True)


def test_campaigner_cancels_a_dead_letter_and_a_second_cancel_is_explained(client, ctx, staff_client):
    failed = dead_letter(client, ctx)
    campaigner = staff_client("campaigner")
    post_form(campaigner, f"/admin/deliveries/{failed}/cancel", {})
    with ctx.db.transaction() as session:
        assert session.get(Delivery, failed).status == "cancelled"
        assert session.scalars(select(AuditEntry.action).where(AuditEntry.target == f"delivery:{failed}")).all() == [
            "delivery.cancel"]
    again = post_form(campaigner, f"/admin/deliveries/{failed}/retry", {}, follow=True)
    assert again.status_code == 200 and "cannot be changed that way. Nothing was changed." in again.get_data(
        as_text=True)


def test_unknown_campaign_and_delivery_are_404(staff_client):
    campaigner = staff_client("campaigner")
    assert campaigner.get("/admin/campaigns/no-such-campaign").status_code == 404
    assert campaigner.get("/admin/deliveries/999999/retry").status_code == 404
    assert campaigner.get("/admin/deliveries/1/delete").status_code == 404


def test_dashboard_needs_a_signed_in_staff_member(client):
    response = client.get(f"/admin/campaigns/{PETITION}")
    assert response.status_code == 302 and "/admin/login" in response.location
