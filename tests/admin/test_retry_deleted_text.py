"""A dead letter whose text retention has deleted cannot be retried, from the dashboard or the command line."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from advocacy.cli import CliState, main
from advocacy.models import AuditEntry, Delivery
from advocacy.models.base import utcnow
from advocacy.services.privacy import SCRUBBED_BODY, RetentionPolicy, scrub_messages

from ..conftest import post_form
from .test_dashboard import PETITION, dead_letter


def deleted_dead_letter(client, ctx) -> int:
    """A dead letter left past retention and its grace weeks, so the purge has replaced its text."""
    failed = dead_letter(client, ctx)
    with ctx.db.transaction() as session:
        scrub_messages(session, RetentionPolicy(), now=utcnow() + timedelta(days=90))
    return failed


def state(ctx, delivery_id: int) -> tuple[str, str]:
    with ctx.db.transaction() as session:
        delivery = session.get(Delivery, delivery_id)
        return delivery.status, delivery.body


def test_the_dashboard_refuses_to_retry_a_letter_whose_text_was_deleted(client, ctx, staff_client):
    failed = deleted_dead_letter(client, ctx)
    campaigner = staff_client("campaigner")
    ask = campaigner.get(f"/admin/deliveries/{failed}/retry").get_data(as_text=True)
    assert "its text was deleted after our retention period" in ask
    assert f"Retry delivery {failed}" not in ask  # nothing to press
    response = post_form(campaigner, f"/admin/deliveries/{failed}/retry", {})
    assert response.status_code == 302 and response.location.endswith(f"/admin/campaigns/{PETITION}")
    page = campaigner.get(response.location).get_data(as_text=True)
    assert (f"Delivery {failed} cannot be sent again: its text was deleted after our retention period. "
            "Nothing was changed.") in page
    assert state(ctx, failed) == ("failed", SCRUBBED_BODY)
    with ctx.db.transaction() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "delivery.retry")).all() == []
    post_form(campaigner, f"/admin/deliveries/{failed}/cancel", {})  # what the message suggests still works
    assert state(ctx, failed)[0] == "cancelled"


def test_the_command_refuses_to_retry_a_letter_whose_text_was_deleted(client, ctx, settings):
    failed = deleted_dead_letter(client, ctx)
    result = CliRunner().invoke(main, ["deliveries", "retry", str(failed)], obj=CliState(settings))
    assert result.exit_code == 1
    assert f"delivery {failed}: its text was deleted after the retention period, so it cannot be sent again" in (
        result.output)
    assert state(ctx, failed) == ("failed", SCRUBBED_BODY)


def test_a_dead_letter_with_its_text_is_still_retried_by_the_command(client, ctx, settings):
    failed = dead_letter(client, ctx)
    result = CliRunner().invoke(main, ["deliveries", "retry", str(failed)], obj=CliState(settings))
    assert result.exit_code == 0, result.output
    assert state(ctx, failed)[0] == "queued"
