"""Settings: the only module that reads ``os.environ``.

Every setting is an ``ADVOCACY_*`` variable with a safe development default;
``Settings.from_env()`` builds one frozen object that the app, the CLI and the
worker share. Tests build ``Settings`` directly instead of touching the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .domain.verp import default_bounce_address

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production by check()  # nosec B105


# The rate-limit settings staff can override in the admin (advocacy/limits.py names them without "limit_").
LIMIT_SETTINGS = ("limit_sign", "limit_letter_preview", "limit_letter_send", "limit_lookup", "limit_email",
                  "limit_office")


class SettingsError(ValueError):
    """A setting is missing or unusable; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"  # development | production | test
    database_url: str = ""
    secret_key: str = DEV_SECRET_KEY
    smtp_url: str = ""
    from_address: str = "letters@advocacy.localhost"
    org_name: str = "Advocacy"
    # CASL: every email to supporters names the sender with a mailing address (emails' footers).
    org_address: str = ""
    base_url: str = "http://127.0.0.1:5000"
    campaigns_dir: Path = PROJECT_ROOT / "campaigns"
    templates_dir: Path = PROJECT_ROOT / "templates"
    instance_dir: Path = PROJECT_ROOT / "instance"
    mailbox_dir: Path | None = None
    channel: str = ""  # "" = smtp when smtp_url is set, else mailbox
    providers: tuple[str, ...] = ("directory",)
    max_letter_chars: int = 5000
    worker_batch: int = 50
    worker_lease_seconds: int = 120
    worker_poll_seconds: float = 2.0
    retry_base_seconds: float = 30.0
    retry_cap_seconds: float = 1800.0
    max_attempts: int = 8
    # Finding representatives (see services/lookup.py). Represent allows 60 calls a minute in all.
    represent_url: str = ""  # "" = no live lookups; the local directory answers alone
    redis_url: str = ""  # "" = the Represent rate limiter lives in the database
    represent_timeout_seconds: float = 3.0
    represent_retries: int = 2
    represent_rate_per_minute: int = 50
    represent_burst: int = 5
    represent_breaker_failures: int = 3
    represent_breaker_seconds: float = 60.0
    represent_sets: tuple[str, ...] = ("house-of-commons", "ontario-legislature")
    postcode_ttl_days: float = 90.0
    postcode_not_found_hours: float = 24.0
    lookup_memo_seconds: float = 30.0  # each process remembers fresh answers this long (0 = not at all)
    directory_max_age_days: int = 180
    # Campaigns made in the admin editor: each process checks the database's catalog revision at most this often.
    catalog_refresh_seconds: float = 1.0
    api_rate_per_minute: int = 60
    # Allies' API keys (web/api): a token bucket per key. "memory" buckets are per process (a limit of N
    # becomes N per web process); "shared" puts them in Redis when ADVOCACY_REDIS_URL is set, else the database.
    api_key_rate_per_minute: int = 60
    api_key_burst: int = 20
    api_rate_storage: str = "memory"  # memory | shared
    api_rate_limits: bool = True  # False only for contract tests, which send hundreds of requests a minute
    # Bounces: each delivery's envelope sender is this address with "+<token>" added to its local part.
    bounce_address: str = ""  # "" = bounces@ the domain of from_address
    bounce_webhook_secret: str = ""  # "" = POST /hooks/bounces is switched off
    # Rate limits on public forms (advocacy/limits.py), in Flask-Limiter's notation: "5/minute;20/hour" is a
    # burst and a sustained limit. Per client address unless named otherwise; staff can override them in the admin.
    rate_limits: bool = True  # False only for load and contract tests
    limit_sign: str = "5/minute;20/hour"
    limit_letter_preview: str = "30/minute;300/hour"
    limit_letter_send: str = "5/minute;20/hour"
    limit_lookup: str = "30/minute;500/hour"
    limit_email: str = "10/hour"  # signatures and letters per canonical email address
    limit_office: str = "300/day"  # letters accepted for one office (intake; sending is paced by the outbox)
    web_processes: int = 1  # web processes sharing the limits: more than 1 needs ADVOCACY_REDIS_URL in production
    debug: bool = False  # Flask's debugger: never in production
    # Reverse proxies in front that add X-Forwarded-For/-Proto: the client address (for limits, sign-in locks and
    # IP hashes) is read that many hops back. 0 trusts no header: the address is the connection's.
    proxy_hops: int = 0
    # Load shedding (web/shedding.py): a page view that waited longer than this for a web process, by the proxy's
    # X-Request-Start stamp, is answered 503 with Retry-After at once. 0 = never shed.
    queue_limit_seconds: float = 0.0
    # Invisible checks on public forms (services/abuse.py): answers sent faster than this go to review.
    min_fill_seconds: float = 3.0
    # The same source sending this many letters at least this similar within the window goes to review.
    similar_letter_ratio: float = 0.9
    similar_letter_count: int = 3
    similar_letter_hours: int = 24
    # The embeddable widget's signed form token: refused when younger (a bot) or older (a stale page) than these.
    embed_min_fill_seconds: float = 3.0
    embed_max_age_seconds: int = 7200
    webhook_timeout_seconds: float = 5.0  # per POST to an ally's webhook
    # Staff admin (web/admin): server-side sessions end after this long idle, or this long after sign-in.
    admin_idle_minutes: int = 30
    admin_session_hours: int = 8
    admin_setup_hours: int = 48  # how long a staff set-up link works
    # Retention (services/privacy.py): letter text kept this long after sending, IP hashes this long after
    # the action, personal details of a campaign's actions this long after it closes (then anonymised).
    letter_retention_days: int = 30
    ip_retention_days: int = 30
    anonymise_after_close_days: int = 90
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.instance_dir / 'advocacy.db'}"

    @property
    def mailbox_path(self) -> Path:
        return self.mailbox_dir or self.instance_dir / "mailbox"

    @property
    def bounce_mailbox(self) -> str:
        """Where bounces go, before a delivery's token is added (see domain/verp.py)."""
        return self.bounce_address or default_bounce_address(self.from_address)

    @property
    def channel_name(self) -> str:
        return self.channel or ("smtp" if self.smtp_url else "mailbox")

    def check(self) -> None:
        """Refuse settings that are unsafe for the current environment."""
        if self.env not in {"development", "production", "test"}:
            raise SettingsError(f"ADVOCACY_ENV must be development, production or test, not {self.env!r}")
        if self.production and (not self.secret_key or self.secret_key == DEV_SECRET_KEY):
            raise SettingsError("ADVOCACY_SECRET_KEY must be set to a long random value in production")
        if self.production and len(self.secret_key) < 32:
            raise SettingsError("ADVOCACY_SECRET_KEY must be at least 32 characters in production")
        if not re.fullmatch(r"[^@\s<>\"]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+", self.from_address):
            raise SettingsError(f"ADVOCACY_FROM_ADDRESS must be a plain address like letters@union.example.org, "
                                f"not {self.from_address!r}")
        if self.bounce_address and not re.fullmatch(r"[^@\s<>\"+]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+",
                                                    self.bounce_address):
            raise SettingsError(f"ADVOCACY_BOUNCE_ADDRESS must be a plain address without '+', like "
                                f"bounces@union.example.org, not {self.bounce_address!r}")
        if self.bounce_webhook_secret and len(self.bounce_webhook_secret) < 32:
            raise SettingsError("ADVOCACY_BOUNCE_WEBHOOK_SECRET must be at least 32 characters")
        if min(self.letter_retention_days, self.ip_retention_days, self.anonymise_after_close_days) < 1:
            raise SettingsError("ADVOCACY_LETTER_RETENTION_DAYS, ADVOCACY_IP_RETENTION_DAYS and "
                                "ADVOCACY_ANONYMISE_AFTER_CLOSE_DAYS must be at least 1")
        if self.production and not self.org_address:
            raise SettingsError("ADVOCACY_ORG_ADDRESS must be set in production: the law (CASL) wants a mailing "
                                "address in every email to supporters")
        if self.admin_idle_minutes < 1 or self.admin_session_hours < 1 or self.admin_setup_hours < 1:
            raise SettingsError("ADVOCACY_ADMIN_IDLE_MINUTES, ADVOCACY_ADMIN_SESSION_HOURS and "
                                "ADVOCACY_ADMIN_SETUP_HOURS must be at least 1")
        if self.embed_min_fill_seconds < 0 or self.embed_max_age_seconds <= self.embed_min_fill_seconds:
            raise SettingsError("ADVOCACY_EMBED_MAX_AGE_SECONDS must be more than ADVOCACY_EMBED_MIN_FILL_SECONDS "
                                "(and neither negative)")
        if not 0 < self.webhook_timeout_seconds <= 30:
            raise SettingsError("ADVOCACY_WEBHOOK_TIMEOUT_SECONDS must be more than 0 and at most 30")
        self._check_limits()
        if self.max_letter_chars < 100:
            raise SettingsError("ADVOCACY_MAX_LETTER_CHARS must be at least 100")
        if not 0 <= self.catalog_refresh_seconds <= 60:
            raise SettingsError("ADVOCACY_CATALOG_REFRESH_SECONDS must be between 0 and 60")
        if self.api_rate_storage not in {"memory", "shared"}:
            raise SettingsError(f"ADVOCACY_API_RATE_STORAGE must be memory or shared, not {self.api_rate_storage!r}")
        if self.api_key_rate_per_minute < 1 or self.api_key_burst < 1:
            raise SettingsError("ADVOCACY_API_KEY_RATE_PER_MINUTE and ADVOCACY_API_KEY_BURST must be at least 1")
        if "represent" in self.providers and not self.represent_url:
            raise SettingsError("ADVOCACY_PROVIDERS names represent but ADVOCACY_REPRESENT_URL is not set")
        if not 0 < self.represent_timeout_seconds <= 3:
            raise SettingsError("ADVOCACY_REPRESENT_TIMEOUT_SECONDS must be more than 0 and at most 3")
        if not 0 <= self.represent_retries <= 2:
            raise SettingsError("ADVOCACY_REPRESENT_RETRIES must be 0, 1 or 2")
        # A token bucket lets through at most burst + rate calls in any minute: keep that under Represent's 60.
        if self.represent_rate_per_minute < 1 or self.represent_burst < 1 \
                or self.represent_rate_per_minute + self.represent_burst > 60:
            raise SettingsError("ADVOCACY_REPRESENT_RATE_PER_MINUTE plus ADVOCACY_REPRESENT_BURST must be "
                                "between 2 and 60 (Represent allows 60 calls a minute)")

    def _check_limits(self) -> None:
        from limits import parse_many  # Flask-Limiter's own parser: a setting it cannot read is refused here

        for name in LIMIT_SETTINGS:
            value = getattr(self, name)
            try:
                parse_many(value)
            except ValueError as exc:
                raise SettingsError(f"ADVOCACY_{name.upper()} must look like 5/minute;20/hour, not {value!r}") from exc
        if self.production and self.debug:
            raise SettingsError("ADVOCACY_DEBUG (or FLASK_DEBUG) must be off in production")
        if self.production and self.rate_limits and self.web_processes > 1 and not self.redis_url:
            raise SettingsError(f"ADVOCACY_WEB_PROCESSES is {self.web_processes}: rate limits kept in each process's "
                                "memory would each allow the full limit; set ADVOCACY_REDIS_URL to share one count")
        if not 0 <= self.proxy_hops <= 5:
            raise SettingsError("ADVOCACY_PROXY_HOPS must be between 0 and 5 (the reverse proxies in front)")
        if not 0 <= self.queue_limit_seconds <= 60:
            raise SettingsError("ADVOCACY_QUEUE_LIMIT_SECONDS must be between 0 (off) and 60")
        if self.min_fill_seconds < 0 or not 0 < self.similar_letter_ratio <= 1 or self.similar_letter_count < 2:
            raise SettingsError("ADVOCACY_MIN_FILL_SECONDS must be at least 0, ADVOCACY_SIMILAR_LETTER_RATIO between "
                                "0 and 1, ADVOCACY_SIMILAR_LETTER_COUNT at least 2")

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str, default: str = "") -> str:
            return env.get(f"ADVOCACY_{name}", default).strip()

        def number(name: str, default: float, kind: type = int) -> Any:
            raw = get(name)
            if not raw:
                return default
            try:
                return kind(raw)
            except ValueError as exc:
                raise SettingsError(f"ADVOCACY_{name} must be a number, not {raw!r}") from exc

        defaults = cls()
        instance = Path(get("INSTANCE_DIR") or defaults.instance_dir)
        represent_url = get("REPRESENT_URL").rstrip("/")
        default_providers = "represent,directory" if represent_url else "directory"
        providers = tuple(p.strip() for p in get("PROVIDERS", default_providers).split(",") if p.strip())
        sets = get("REPRESENT_SETS")
        concurrency = env.get("WEB_CONCURRENCY", "").strip()
        settings = cls(
            env=get("ENV", "development"),
            database_url=get("DATABASE_URL"),
            secret_key=get("SECRET_KEY") or DEV_SECRET_KEY,
            smtp_url=get("SMTP_URL"),
            from_address=get("FROM_ADDRESS", defaults.from_address),
            org_name=get("ORG_NAME", defaults.org_name),
            org_address=get("ORG_ADDRESS"),
            base_url=get("BASE_URL", defaults.base_url).rstrip("/"),
            campaigns_dir=Path(get("CAMPAIGNS_DIR") or defaults.campaigns_dir),
            instance_dir=instance,
            mailbox_dir=Path(get("MAILBOX_DIR")) if get("MAILBOX_DIR") else None,
            channel=get("CHANNEL"),
            providers=providers,
            max_letter_chars=number("MAX_LETTER_CHARS", defaults.max_letter_chars),
            worker_batch=number("WORKER_BATCH", defaults.worker_batch),
            worker_lease_seconds=number("WORKER_LEASE_SECONDS", defaults.worker_lease_seconds),
            worker_poll_seconds=number("WORKER_POLL_SECONDS", defaults.worker_poll_seconds, float),
            max_attempts=number("MAX_ATTEMPTS", defaults.max_attempts),
            retry_base_seconds=number("RETRY_BASE_SECONDS", defaults.retry_base_seconds, float),
            retry_cap_seconds=number("RETRY_CAP_SECONDS", defaults.retry_cap_seconds, float),
            represent_url=represent_url,
            redis_url=get("REDIS_URL"),
            represent_timeout_seconds=number("REPRESENT_TIMEOUT_SECONDS", defaults.represent_timeout_seconds, float),
            represent_retries=number("REPRESENT_RETRIES", defaults.represent_retries),
            represent_rate_per_minute=number("REPRESENT_RATE_PER_MINUTE", defaults.represent_rate_per_minute),
            represent_burst=number("REPRESENT_BURST", defaults.represent_burst),
            represent_breaker_failures=number("REPRESENT_BREAKER_FAILURES", defaults.represent_breaker_failures),
            represent_breaker_seconds=number("REPRESENT_BREAKER_SECONDS", defaults.represent_breaker_seconds, float),
            represent_sets=tuple(s.strip() for s in sets.split(",") if s.strip()) if sets
            else defaults.represent_sets,
            postcode_ttl_days=number("POSTCODE_TTL_DAYS", defaults.postcode_ttl_days, float),
            postcode_not_found_hours=number("POSTCODE_NOT_FOUND_HOURS", defaults.postcode_not_found_hours, float),
            lookup_memo_seconds=number("LOOKUP_MEMO_SECONDS", defaults.lookup_memo_seconds, float),
            directory_max_age_days=number("DIRECTORY_MAX_AGE_DAYS", defaults.directory_max_age_days),
            catalog_refresh_seconds=number("CATALOG_REFRESH_SECONDS", defaults.catalog_refresh_seconds, float),
            api_rate_per_minute=number("API_RATE_PER_MINUTE", defaults.api_rate_per_minute),
            api_key_rate_per_minute=number("API_KEY_RATE_PER_MINUTE", defaults.api_key_rate_per_minute),
            api_key_burst=number("API_KEY_BURST", defaults.api_key_burst),
            api_rate_storage=get("API_RATE_STORAGE", defaults.api_rate_storage).lower(),
            api_rate_limits=get("API_RATE_LIMITS", "on").lower() not in {"off", "0", "false", "no"},
            bounce_address=get("BOUNCE_ADDRESS"),
            bounce_webhook_secret=get("BOUNCE_WEBHOOK_SECRET"),
            rate_limits=get("RATE_LIMITS", "on").lower() not in {"off", "0", "false", "no"},
            **{name: get(name.upper(), getattr(defaults, name)) for name in LIMIT_SETTINGS},
            # gunicorn reads WEB_CONCURRENCY for its worker count: trust it when ADVOCACY_WEB_PROCESSES is unset.
            web_processes=number("WEB_PROCESSES", int(concurrency) if concurrency.isdigit() else 1),
            debug=(get("DEBUG") or env.get("FLASK_DEBUG", "")).strip().lower() in {"1", "on", "true", "yes"},
            proxy_hops=number("PROXY_HOPS", defaults.proxy_hops),
            queue_limit_seconds=number("QUEUE_LIMIT_SECONDS", defaults.queue_limit_seconds, float),
            min_fill_seconds=number("MIN_FILL_SECONDS", defaults.min_fill_seconds, float),
            similar_letter_ratio=number("SIMILAR_LETTER_RATIO", defaults.similar_letter_ratio, float),
            similar_letter_count=number("SIMILAR_LETTER_COUNT", defaults.similar_letter_count),
            similar_letter_hours=number("SIMILAR_LETTER_HOURS", defaults.similar_letter_hours),
            admin_idle_minutes=number("ADMIN_IDLE_MINUTES", defaults.admin_idle_minutes),
            admin_session_hours=number("ADMIN_SESSION_HOURS", defaults.admin_session_hours),
            admin_setup_hours=number("ADMIN_SETUP_HOURS", defaults.admin_setup_hours),
            letter_retention_days=number("LETTER_RETENTION_DAYS", defaults.letter_retention_days),
            ip_retention_days=number("IP_RETENTION_DAYS", defaults.ip_retention_days),
            anonymise_after_close_days=number("ANONYMISE_AFTER_CLOSE_DAYS", defaults.anonymise_after_close_days),
        )
        settings.check()
        return settings
