"""The ``advocacy`` command: thin wrappers over services, grouped by area."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import click

from . import migrate
from .catalog import CampaignFileError, load_directory
from .catalog.loader import SUFFIX, missing_translations
from .catalog.schema import CAMPAIGN_TZ
from .catalog.stored import open_catalog
from .catalog.writer import export_file
from .channels import build_channel
from .channels.mailbox import read_mailbox
from .channels.webhook import check_webhook_url
from .config import Settings, SettingsError
from .context import AppContext
from .db import Database
from .domain.errors import InvalidTransition
from .inbound import InboundError, read_messages
from .models.base import utcnow
from .providers import build_chain
from .services import allies as ally_service
from .services import bounces as bounce_service
from .services import deliveries as delivery_service
from .services import petition_delivery
from .services.directory import DirectoryFileError, apply_roster, check_directory, export_csv, load_csv
from .services.readdress import ReaddressReport, follow_directory
from .services.webhooks import retry_webhooks
from .worker import Worker

DEMO_DIRECTORY = Path(__file__).resolve().parent / "data" / "demo_directory.csv"


class CliState:
    """Settings now; the database and catalog only when a command needs them."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings
        self._ctx: AppContext | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = Settings.from_env()
            except SettingsError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._settings

    @property
    def db(self) -> Database:
        return self.ctx.db if self._ctx else Database(self.settings.sqlalchemy_url)

    @property
    def ctx(self) -> AppContext:
        if self._ctx is None:
            self.settings.instance_dir.mkdir(parents=True, exist_ok=True)
            database = Database(self.settings.sqlalchemy_url)
            try:
                catalog = open_catalog(self.settings.campaigns_dir, database,
                                       refresh_seconds=self.settings.catalog_refresh_seconds)
            except CampaignFileError as exc:
                raise click.ClickException("invalid campaign files:\n" + str(exc)) from exc
            self._ctx = AppContext(self.settings, database, catalog, build_chain(self.settings))
        return self._ctx


pass_state = click.make_pass_decorator(CliState, ensure=True)


@click.group()
def main() -> None:
    """Run and manage an advocacy engine."""


# -- database ------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
@pass_state
def db_upgrade(state: CliState, revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    state.settings.instance_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(state.db, revision)
    click.echo(f"database is at {revision}")


@db.command("downgrade")
@click.argument("revision")
@pass_state
def db_downgrade(state: CliState, revision: str) -> None:
    """Undo migrations down to REVISION."""
    migrate.downgrade(state.db, revision)
    click.echo(f"database is at {revision}")


# -- campaigns -----------------------------------------------------------------
@main.group()
def campaigns() -> None:
    """Campaign definitions."""


@campaigns.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@pass_state
def campaigns_check(state: CliState, directory: Path | None) -> None:
    """Validate every campaign file; print one line per problem and exit 1 if there is any."""
    directory = directory or state.settings.campaigns_dir
    try:
        found = load_directory(directory)
    except CampaignFileError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    click.echo(f"{len(found)} campaign{'s' if len(found) != 1 else ''} OK in {directory}")
    for campaign in found:  # warnings only: a campaign may go live in English alone
        for path, message in missing_translations(campaign):
            click.echo(f"warning: {campaign.slug}{SUFFIX}: {path}: {message}")


@campaigns.command("list")
@pass_state
def campaigns_list(state: CliState) -> None:
    """Every campaign with its kind, status and visibility."""
    for campaign in state.ctx.catalog:
        click.echo(f"{campaign.slug:40} {campaign.kind:9} {campaign.status:7} {campaign.visibility}")


@campaigns.command("export")
@click.argument("slug")
@pass_state
def campaigns_export(state: CliState, slug: str) -> None:
    """Print campaign SLUG (a file, or one made in the admin) as a file for campaigns/: advocacy campaigns check
    accepts it unchanged."""
    campaign = state.ctx.catalog.get(slug)
    if campaign is None:
        raise click.ClickException(f"no campaign {slug!r} (advocacy campaigns list shows them all)")
    click.echo(export_file(campaign, utcnow().astimezone(CAMPAIGN_TZ).date()), nl=False)


# -- directory -----------------------------------------------------------------
@main.group()
def directory() -> None:
    """The local directory of representatives."""


@directory.command("load")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--demo", is_flag=True, help="Load the demo directory shipped with the project.")
@pass_state
def directory_load(state: CliState, file: Path | None, demo: bool) -> None:
    """Load FILE.csv (the documented format) into the directory."""
    if not file and not demo:
        raise click.UsageError("give a CSV file or --demo")
    path = DEMO_DIRECTORY if demo else file
    assert path is not None  # type narrowing for the checker; click gave a path  # nosec B101
    try:
        with path.open(encoding="utf-8", newline="") as stream, state.db.transaction() as session:
            report = load_csv(session, stream, name=path.name, now=utcnow())
            followed = follow_directory(session, now=utcnow())  # in the same transaction as the change
    except DirectoryFileError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    click.echo(f"loaded {report.entries} representatives in {report.districts} districts "
               f"({report.postal_codes} postal codes and areas) from {path.name}")
    _echo_followed(followed)


def _echo_followed(report: ReaddressReport) -> None:
    """Tell staff which waiting letters now go to somebody else, and which wait for a vacant seat."""
    for line in report.lines():
        click.echo(line)


@directory.command("export")
@pass_state
def directory_export(state: CliState) -> None:
    """Print the directory as CSV."""
    with state.db.transaction() as session:
        click.echo(export_csv(session), nl=False)


@directory.command("sync")
@click.option("--set", "sets", multiple=True, metavar="SLUG",
              help="A Represent representative set, e.g. ontario-legislature (default: ADVOCACY_REPRESENT_SETS).")
@pass_state
def directory_sync(state: CliState, sets: tuple[str, ...]) -> None:
    """Copy rosters from Represent into the directory; a failed or partial roster changes nothing."""
    from .providers.represent import RosterIncomplete, build_client

    if not state.settings.represent_url:
        raise click.ClickException("set ADVOCACY_REPRESENT_URL to sync rosters from Represent")
    client = build_client(state.settings, state.db)
    failed = False
    for slug in sets or state.settings.represent_sets:
        try:
            people = client.roster(slug)
        except RosterIncomplete as exc:
            click.echo(f"{slug}: left unchanged: {exc}", err=True)
            failed = True
            continue
        with state.db.transaction() as session:
            change = apply_roster(session, slug, people, now=utcnow())
            followed = follow_directory(session, now=utcnow())
        click.echo(f"{slug}: {len(change.added)} added, {len(change.changed)} changed, "
                   f"{len(change.removed)} removed, {change.unchanged} unchanged")
        for mark, names in (("+", change.added), ("~", change.changed), ("-", change.removed)):
            for name in names:
                click.echo(f"  {mark} {name}")
        _echo_followed(followed)
    if failed:
        sys.exit(1)


@directory.command("check")
@pass_state
def directory_check(state: CliState) -> None:
    """For every live campaign: people for every level and office it needs; rows not refreshed for too long."""
    days = state.settings.directory_max_age_days
    with state.db.transaction() as session:
        report = check_directory(session, state.ctx.catalog, now=utcnow(), max_age_days=days)
        for problem in report.missing:
            click.echo(problem, err=True)
        for entry in report.stale:
            click.echo(f"older than {days} days: {entry.name} ({entry.office}, {entry.district_key}), "
                       f"updated {entry.updated_at:%Y-%m-%d}", err=True)
    if not report.ok:
        sys.exit(1)
    click.echo(f"directory OK for every live campaign; no row older than {days} days")


# -- delivery ------------------------------------------------------------------
@main.command()
@click.option("--once", is_flag=True, help="Send what is due now and exit.")
@pass_state
def worker(state: CliState, once: bool) -> None:
    """Run the delivery worker."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _require_schema(state)
    runner = Worker(state.ctx, build_channel(state.settings))
    if once:
        report = runner.run_once()
        cancelled = f", {report.cancelled} cancelled (text removed)" if report.cancelled else ""
        click.echo(f"{report.sent} sent, {report.retried} to retry, {report.failed} failed{cancelled}")
    else:
        runner.run_forever()


def _require_schema(state: CliState) -> None:
    """Say what to do when the database has never been migrated, instead of failing on every claim."""
    from sqlalchemy import inspect

    if not inspect(state.ctx.db.engine).has_table("deliveries"):
        raise click.ClickException("the database has no tables yet: run `advocacy db upgrade` first")


@main.command()
@pass_state
def housekeeping(state: CliState) -> None:
    """Send due confirmation reminders, delete expired unconfirmed actions, queue due petition deliveries;
    hourly, purge personal data past retention and prune old staff sign-in records; then fold the dashboard's
    logged changes into its running totals.

    Every worker does this once a minute; run it from cron when no worker is running.
    """
    from .services.counters import fold_counters
    from .services.housekeeping import run_housekeeping

    ctx = state.ctx
    with ctx.db.transaction() as session:
        report = run_housekeeping(session, ctx.catalog, ctx.provider, mail=ctx.mail, now=utcnow(),
                                  retention=ctx.retention, staff_timeouts=ctx.staff_timeouts)
    with ctx.db.transaction() as session:  # its own short transaction (services/counters.py)
        fold_counters(session)
    click.echo(str(report))


@main.group()
def privacy() -> None:
    """Retention of personal data."""


@privacy.command("purge")
@pass_state
def privacy_purge(state: CliState) -> None:
    """Apply the retention rules now: delete unconfirmed actions, remove old letter text and IP hashes,
    anonymise closed campaigns' actions. Workers do this hourly. Prints counts only."""
    from .services.privacy import purge

    _require_schema(state)
    ctx = state.ctx
    with ctx.db.transaction() as session:
        report = purge(session, ctx.catalog, ctx.retention, now=utcnow())
    click.echo(str(report))


@main.group()
def deliveries() -> None:
    """Inspect and fix the outbox."""


@deliveries.command("list")
@click.option("--status", help="held, queued, sending, retry, sent, batched, bounced, failed or cancelled")
@click.option("--campaign", help="a campaign slug")
@click.option("--limit", default=50, show_default=True)
@pass_state
def deliveries_list(state: CliState, status: str | None, campaign: str | None, limit: int) -> None:
    """The newest deliveries, with why each is waiting or failed, and when it is next due."""
    now = utcnow()
    with state.db.transaction() as session:
        rows = delivery_service.list_deliveries(session, status=status, campaign=campaign, limit=limit)
        for d in rows:
            why = d.last_error or d.hold_reason
            due = (f"  due {d.next_attempt_at:%Y-%m-%d %H:%M} UTC"
                   if d.status in {"queued", "retry"} and d.next_attempt_at > now else "")
            click.echo(f"{d.id:6} {d.status:9} {d.attempts:2} {d.kind:12} {d.campaign_slug:30} {d.recipient_email}"
                       f"{due}{'  ' + why if why else ''}")
        counts = delivery_service.count_by_status(session, campaign)
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no deliveries")


def _staff_change(state: CliState, ids: tuple[int, ...], action: str) -> None:
    change = delivery_service.retry_delivery if action == "retry" else delivery_service.cancel_delivery
    with state.db.transaction() as session:
        for delivery_id in ids:
            try:
                change(session, delivery_id, now=utcnow(), by="cli")
            except InvalidTransition as exc:
                raise click.ClickException(str(exc)) from exc
    click.echo(f"{action}: {', '.join(map(str, ids))}")


@deliveries.command("retry")
@click.argument("ids", nargs=-1, type=int, required=True)
@pass_state
def deliveries_retry(state: CliState, ids: tuple[int, ...]) -> None:
    """Queue failed deliveries again."""
    _staff_change(state, ids, "retry")


@deliveries.command("cancel")
@click.argument("ids", nargs=-1, type=int, required=True)
@pass_state
def deliveries_cancel(state: CliState, ids: tuple[int, ...]) -> None:
    """Cancel queued or failed deliveries."""
    _staff_change(state, ids, "cancel")


# -- petitions -----------------------------------------------------------------
@main.group()
def petitions() -> None:
    """Deliver petitions to their targets."""


@petitions.command("deliver")
@click.argument("slug")
@click.option("--dry-run", is_flag=True, help="Show who would get what; store and send nothing.")
@pass_state
def petitions_deliver(state: CliState, slug: str, dry_run: bool) -> None:
    """Queue SLUG's petition package for each of its targets now."""
    ctx = state.ctx
    campaign = ctx.catalog.get(slug)
    if campaign is None or campaign.kind != "petition":
        raise click.ClickException(f"{slug} is not a petition campaign")
    if not campaign.targets:
        raise click.ClickException(f"{slug} has no targets: its signatures go to nobody")
    now = utcnow()
    if dry_run:
        with ctx.db.session() as session:
            plan = petition_delivery.plan_delivery(session, campaign, ctx.provider, now=now,
                                                   org_name=ctx.settings.org_name)
        _print_plan(plan, "would be queued (dry run: nothing stored)")
        return
    with ctx.db.transaction() as session:
        done = petition_delivery.deliver_petition(session, campaign, ctx.provider,
                                                  keys=[petition_delivery.manual_key(now)], now=now, mail=ctx.mail)
        if done is None:
            raise click.ClickException("another delivery of this petition started this very second; try again")
        _print_plan(done.plan, "queued")


@petitions.command("due")
@pass_state
def petitions_due(state: CliState) -> None:
    """Queue every milestone, schedule slot and close that is due now (what the worker checks)."""
    ctx = state.ctx
    with ctx.db.transaction() as session:
        done = petition_delivery.queue_due_petition_deliveries(session, ctx.catalog, ctx.provider, now=utcnow(),
                                                               mail=ctx.mail)
        for queued in done:
            click.echo(f"{queued.campaign} ({', '.join(queued.keys)}): {len(queued.deliveries)} queued")
    if not done:
        click.echo("no petition delivery is due")


def _print_plan(plan: petition_delivery.PetitionPlan, verb: str) -> None:
    click.echo(f"{plan.campaign.slug}: {plan.total:,} confirmed signatures")
    for riding, count in plan.counts:
        click.echo(f"  {count:7,}  {riding}")
    click.echo(f"{len(plan.packages)} package{'s' if len(plan.packages) != 1 else ''} {verb}:")
    for planned in plan.packages:
        r = planned.recipient
        click.echo(f"  {planned.package.recipient} <{r.email}>: {len(planned.package.signers):,} signers listed")
        for attachment in planned.files:
            click.echo(f"      {attachment.filename}  {len(attachment.data):,} bytes")
    for r in plan.unchanged:
        click.echo(f"  unchanged since their last package, not sent again: {r.name} <{r.email}>")
    for problem in plan.problems:
        click.echo(f"  {problem}", err=True)


# -- bounces -------------------------------------------------------------------
@main.group()
def bounces() -> None:
    """Bounce reports, and the office addresses they flag as failing."""


@bounces.command("process")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--again", is_flag=True, help="Also read maildir messages already marked as read.")
@pass_state
def bounces_process(state: CliState, path: Path, again: bool) -> None:
    """Apply the bounce reports in PATH: a maildir, an mbox file or one saved message."""
    ctx = state.ctx
    summary = bounce_service.BounceSummary()
    try:
        for raw, done in read_messages(path, again=again):
            with ctx.db.transaction() as session:  # one message at a time: a bad one spoils nothing else
                bounce_service.process_message(session, raw, summary, now=utcnow(), mail=ctx.mail,
                                               campaign=ctx.catalog.get, bounce_address=ctx.settings.bounce_mailbox)
            done()
    except InboundError as exc:
        raise click.ClickException(str(exc)) from exc
    ids = ", ".join(map(str, summary.bounced))
    click.echo(f"{summary.messages} messages: {len(summary.bounced)} deliveries bounced{f' ({ids})' if ids else ''}, "
               f"{summary.notices} writers told, {len(summary.delayed)} delays noted, {summary.unchanged} that "
               f"changed nothing, {summary.unmatched} about no delivery of ours, "
               f"{summary.not_reports} not bounce reports")


@bounces.command("failing")
@pass_state
def bounces_failing(state: CliState) -> None:
    """Office addresses that bounced, most recent first: check them in the directory."""
    with state.db.transaction() as session:
        flagged = bounce_service.failing_addresses(session)
        for flag, offices in flagged:
            click.echo(f"{flag.address}  {flag.bounces} bounce{'s' if flag.bounces != 1 else ''}, "
                       f"first {flag.first_seen:%Y-%m-%d %H:%M}, last {flag.last_seen:%Y-%m-%d %H:%M} UTC")
            click.echo(f"    {flag.reason}")
            for office in offices:
                click.echo(f"    written to as: {office}")
    click.echo(f"{len(flagged)} failing address{'es' if len(flagged) != 1 else ''}")


@bounces.command("clear")
@click.argument("address")
@pass_state
def bounces_clear(state: CliState, address: str) -> None:
    """Stop listing ADDRESS as failing (once it is fixed or known to work)."""
    with state.db.transaction() as session:
        if not bounce_service.clear_flag(session, address):
            raise click.ClickException(f"{address} is not flagged as failing")
    click.echo(f"cleared: {address}")


# -- allies --------------------------------------------------------------------
@main.group()
def allies() -> None:
    """Allied organisations and their API keys."""


@allies.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's name")
@click.option("--campaign", "campaign_slugs", multiple=True, help="A campaign it may act on (repeat; none = all)")
@click.option("--opt-in-wording", default="", help="The opt-in sentence its own forms show supporters")
@pass_state
def allies_create(state: CliState, slug: str, name: str, campaign_slugs: tuple[str, ...], opt_in_wording: str) -> None:
    """Add an ally; give it a key with `advocacy allies key SLUG`."""
    unknown = [c for c in campaign_slugs if state.ctx.catalog.get(c) is None]
    if unknown:
        raise click.ClickException(f"no campaign named {', '.join(unknown)}")
    try:
        with state.db.transaction() as session:
            ally_service.create_ally(session, slug, name, campaigns=campaign_slugs, opt_in_wording=opt_in_wording,
                                     now=utcnow())
    except ally_service.AllyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"ally {slug} created ({', '.join(campaign_slugs) or 'every campaign'})")


@allies.command("key")
@click.argument("slug")
@pass_state
def allies_key(state: CliState, slug: str) -> None:
    """Make a new API key for ally SLUG and print it; it is shown this once and stored only as a hash."""
    try:
        with state.db.transaction() as session:
            issued = ally_service.issue_key(session, slug, now=utcnow())
    except ally_service.AllyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(issued.key)
    click.echo(f"(key {issued.prefix}…: copy it now, it cannot be shown again)", err=True)


@allies.command("revoke-key")
@click.argument("prefix")
@pass_state
def allies_revoke_key(state: CliState, prefix: str) -> None:
    """Revoke the key starting with PREFIX (as `advocacy allies list` shows it); it stops working at once."""
    try:
        with state.db.transaction() as session:
            ally_service.revoke_key(session, prefix, now=utcnow())
    except ally_service.AllyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"key {prefix} revoked")


@allies.command("list")
@pass_state
def allies_list(state: CliState) -> None:
    """Every ally, what it may act on, and its keys (prefix, made, last used, revoked)."""
    def day(moment: object) -> str:
        return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"

    with state.db.transaction() as session:
        for ally, keys in ally_service.list_allies(session):
            scope = "every campaign" if ally.all_campaigns else ", ".join(ally.campaigns)
            click.echo(f"{ally.slug}\t{ally.name}\t{scope}")
            click.echo(f"  widget sites: {', '.join(ally.embed_origins) or 'none'}\twebhook: {ally.webhook_url or '-'}")
            for key in keys:
                state_ = f"revoked {day(key.revoked_at)}" if key.revoked_at else "live"
                click.echo(f"  {key.prefix}…\tmade {day(key.created_at)}\tlast used {day(key.last_used_at)}\t{state_}")


# -- staff ---------------------------------------------------------------------
@main.group()
def staff() -> None:
    """Staff accounts for the admin at /admin."""


@staff.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "campaigner", "viewer"]), required=True,
              help="viewer: reads; campaigner: also reviews and edits campaigns; admin: also manages staff")
@pass_state
def staff_create(state: CliState, email: str, role: str) -> None:
    """Add a staff member and print their one-time set-up link (they choose a password and add an authenticator)."""
    from .services import audit
    from .services import staff as staff_service

    now = utcnow()
    try:
        with state.db.transaction() as session:
            account, token = staff_service.create_staff(session, email, role, now=now,
                                                        setup_hours=state.settings.admin_setup_hours)
            audit.record(session, None, "staff.create", f"staff:{account.id}", {"email": account.email, "role": role},
                         now=now)
    except staff_service.StaffError as exc:
        raise click.ClickException(f"cannot create {email}: {exc.reason.replace('_', ' ')}") from exc
    click.echo(staff_service.setup_url(state.settings.base_url, token))
    click.echo(f"(set-up link for {email}, {role}: it works once, for {state.settings.admin_setup_hours} hours)",
               err=True)


@staff.command("setup-link")
@click.argument("email")
@pass_state
def staff_setup_link(state: CliState, email: str) -> None:
    """Print a new set-up link; the account's password, authenticator and sessions stop working until it is used."""
    from .services import audit
    from .services import staff as staff_service

    now = utcnow()
    with state.db.transaction() as session:
        account = staff_service.find_by_email(session, email)
        if account is None:
            raise click.ClickException(f"no staff account for {email}")
        token = staff_service.issue_setup_token(session, account, now=now,
                                                setup_hours=state.settings.admin_setup_hours)
        account.disabled_at = None
        audit.record(session, None, "staff.setup_link", f"staff:{account.id}", {"email": account.email}, now=now)
    click.echo(staff_service.setup_url(state.settings.base_url, token))


@staff.command("disable")
@click.argument("email")
@pass_state
def staff_disable(state: CliState, email: str) -> None:
    """Disable an account and end its sessions at once."""
    from .services import audit
    from .services import staff as staff_service

    now = utcnow()
    try:
        with state.db.transaction() as session:
            account = staff_service.find_by_email(session, email)
        if account is None:
            raise click.ClickException(f"no staff account for {email}")
            staff_service.disable(session, account, now=now, keep_an_admin=False)
            audit.record(session, None, "staff.disable", f"staff:{account.id}", {"email": account.email}, now=now)
    except staff_service.StaffError as exc:
        raise click.ClickException(f"cannot disable {email}: {exc.reason.replace('_', ' ')}") from exc
    click.echo(f"{email} disabled and signed out")


@staff.command("list")
@pass_state
def staff_list(state: CliState) -> None:
    """Every staff account: email, role, status."""
    from .services import staff as staff_service

    with state.db.transaction() as session:
        for account in staff_service.all_staff(session):
            status = "disabled" if account.disabled_at else "active" if account.active else "waiting for set-up"
            click.echo(f"{account.email}\t{account.role}\t{status}")


@allies.command("origins")
@click.argument("slug")
@click.argument("origins", nargs=-1)
@pass_state
def allies_origins(state: CliState, slug: str, origins: tuple[str, ...]) -> None:
    """Set the sites (like https://ally.example.org) that may show ally SLUG's widget; none = no site."""
    try:
        with state.db.transaction() as session:
            ally = ally_service.set_embed_origins(session, slug, origins)
            shown = ", ".join(ally.embed_origins) or "none"
    except ally_service.AllyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"ally {slug} may embed the widget on: {shown}")


@allies.command("webhook")
@click.argument("slug")
@click.argument("url", default="")
@pass_state
def allies_webhook(state: CliState, slug: str, url: str) -> None:
    """Post each confirmed action ally SLUG brings to URL (none = stop); prints the new signing secret once."""
    production = state.settings.production
    try:
        with state.db.transaction() as session:
            secret = ally_service.set_webhook(session, slug, url, check_url=lambda u: check_webhook_url(
                u, production=production))
    except ally_service.AllyError as exc:
        raise click.ClickException(str(exc)) from exc
    if not secret:
        click.echo(f"ally {slug}: webhook removed")
        return
    click.echo(secret)
    click.echo(f"(ally {slug}: signing secret for {url}; give it to the ally now, it is not shown again)", err=True)


@allies.command("retry-webhooks")
@click.argument("slug")
@pass_state
def allies_retry_webhooks(state: CliState, slug: str) -> None:
    """Queue ally SLUG's dead webhooks again (once its server works)."""
    with state.db.transaction() as session:
        count = retry_webhooks(session, slug, now=utcnow())
    click.echo(f"{count} webhook{'s' if count != 1 else ''} queued again for {slug}")


# -- dev mailbox ---------------------------------------------------------------
@main.group()
def mailbox() -> None:
    """Read the development mailbox (where letters go when no SMTP server is set)."""


@mailbox.command("list")
@pass_state
def mailbox_list(state: CliState) -> None:
    messages = read_mailbox(state.settings.mailbox_path)
    for number, (_path, message) in enumerate(messages, start=1):
        click.echo(f"{number:4}  {message['Date']}  To: {message['To']}  Subject: {message['Subject']}")
    click.echo(f"{len(messages)} messages in {state.settings.mailbox_path}")


@mailbox.command("show")
@click.argument("number", type=int)
@pass_state
def mailbox_show(state: CliState, number: int) -> None:
    """Print message NUMBER (as numbered by ``mailbox list``)."""
    messages = read_mailbox(state.settings.mailbox_path)
    if not 1 <= number <= len(messages):
        raise click.ClickException(f"there is no message {number} (the mailbox has {len(messages)})")
    _path, message = messages[number - 1]
    for name in ("Date", "From", "To", "Reply-To", "Subject", "Message-ID"):
        if message[name]:
            click.echo(f"{name}: {message[name]}")  # decoded: "Émilie", not "=?utf-8?q?=C3=89milie?="
    click.echo()
    click.echo(message.get_content())


# -- development server --------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, envvar="PORT")
@pass_state
def serve(state: CliState, host: str, port: int) -> None:
    """Migrate, load the demo directory, and run the web app with a delivery worker (development)."""
    from werkzeug.serving import run_simple

    from . import create_app

    state.settings.instance_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(state.db)
    with DEMO_DIRECTORY.open(encoding="utf-8", newline="") as stream, state.db.transaction() as session:
        load_csv(session, stream, name=DEMO_DIRECTORY.name, now=utcnow())
    app = create_app(state.settings)
    runner = Worker(app.extensions["advocacy"], build_channel(state.settings))
    threading.Thread(target=_work, args=(runner,), daemon=True).start()
    where = state.settings.smtp_url.split("@")[-1] if state.settings.smtp_url else state.settings.mailbox_path
    click.echo(f"advocacy is running at http://{host}:{port}  (letters go to {where}; Ctrl-C stops)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _work(runner: Worker) -> None:
    import time

    while True:
        try:
            runner.run_once()
        except Exception:  # the development worker thread must outlive any one bad batch
            logging.getLogger(__name__).exception("delivery worker error; trying again")
        time.sleep(runner.ctx.settings.worker_poll_seconds)
