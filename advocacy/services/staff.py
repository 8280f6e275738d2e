"""Staff accounts: creation and set-up links, passwords (Argon2id), TOTP, recovery codes and the two login steps.

Messages for people live in the web layer: these functions return or raise short reason codes
(``PasswordProblem``, ``StaffError.reason``) that each entry point words in its own language.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta
from enum import Enum

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import RecoveryCode, Staff
from ..tokens import hash_token, new_token
from . import staff_sessions

STAFF_EMAIL = re.compile(r"[^@\s<>\"]+@[a-z0-9.-]+\.[a-z0-9-]+")
ROLES = ("viewer", "campaigner", "admin")  # each role can do everything the ones before it can
PASSWORD_MIN = 12
PASSWORD_MAX = 128
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # 32 symbols without look-alikes (l/1, o/0): 5 bits each
RECOVERY_CHARS = 16  # 80 bits: out of reach of guessing, so a fast hash is enough to store them

# argon2-cffi's defaults are Argon2id with t=3, m=64 MiB, p=4: above OWASP's minimum (m=19 MiB, t=2, p=1).
_hasher = PasswordHasher()


class StaffError(ValueError):
    """A staff command cannot be carried out; ``reason`` is a short code the entry point words for people."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class LoginLocked(StaffError):
    """Too many failed attempts for this account or from this address in the last 15 minutes."""

    def __init__(self) -> None:
        super().__init__("locked")


class PasswordProblem(Enum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"


def normalise_email(email: str) -> str:
    return email.strip().lower()


# ---- passwords -------------------------------------------------------------------------------------------------

def password_problem(password: str, email: str = "") -> PasswordProblem | None:
    """Why a new password is refused, or None. "Common" means zxcvbn's bundled lists of common passwords,
    words and names (and the account's own email) guess it in under a million tries."""
    if len(password) < PASSWORD_MIN:
        return PasswordProblem.TOO_SHORT
    if len(password) > PASSWORD_MAX:
        return PasswordProblem.TOO_LONG
    address = normalise_email(email)
    hints = [address, *(part for part in address.replace("@", ".").split(".") if len(part) > 2)] if address else []
    from zxcvbn import zxcvbn  # 12 MiB of word lists: loaded when a password is set, not in every web process

    if zxcvbn(password, user_inputs=hints, max_length=PASSWORD_MAX)["score"] < 2:
        return PasswordProblem.COMMON
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_dummy_hashes: dict[tuple[int, int, int], str] = {}


def _dummy_hash() -> str:
    """A hash made with the current parameters, verified for unknown accounts so they cost the same work."""
    key = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(session: Session, staff: Staff, password: str, *, now: datetime) -> None:
    problem = password_problem(password, staff.email)
    if problem is not None:
        raise StaffError(problem.value)
    staff.password_hash = hash_password(password)
    staff.password_changed_at = now
    session.flush()


def change_password(session: Session, staff: Staff, current: str, new: str, *, now: datetime) -> None:
    """Check the current password, set the new one and end every session of the account."""
    if not staff.password_hash or not _password_matches(staff.password_hash, current):
        raise StaffError("wrong_password")
    set_password(session, staff, new, now=now)
    staff_sessions.end_all_sessions(session, staff.id, now=now)


# ---- accounts and set-up links ----------------------------------------------------------------------------------

def create_staff(session: Session, email: str, role: str, *, now: datetime, setup_hours: int) -> tuple[Staff, str]:
    """A new account with no password yet, and its one-time set-up token (shown once; stored hashed)."""
    if role not in ROLES:
        raise StaffError("bad_role", role)
    address = normalise_email(email)
    # Staff addresses may be on internal or reserved domains and no mail goes to them: only the shape matters.
    if len(address) > 254 or not STAFF_EMAIL.fullmatch(address):
        raise StaffError("bad_email", email)
    if session.scalar(select(Staff.id).where(Staff.email == address)) is not None:
        raise StaffError("exists", address)
    staff = Staff(email=address, role=role, created_at=now)
    session.add(staff)
    session.flush()
    return staff, issue_setup_token(session, staff, now=now, setup_hours=setup_hours)


def issue_setup_token(session: Session, staff: Staff, *, now: datetime, setup_hours: int) -> str:
    """A new set-up link for the account. The old password, authenticator, codes and sessions stop working:
    this is what an admin does when someone lost their phone or their password."""
    token = new_token()
    staff.setup_token_hash = hash_token(token)
    staff.setup_expires_at = now + timedelta(hours=setup_hours)
    staff.password_hash = None
    staff.totp_secret = None
    staff.totp_confirmed_at = None
    staff.totp_last_step = None
    session.query(RecoveryCode).filter(RecoveryCode.staff_id == staff.id).delete()
    staff_sessions.end_all_sessions(session, staff.id, now=now)
    session.flush()
    return token


def setup_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/admin/setup/{token}"


def staff_for_setup(session: Session, token: str, *, now: datetime) -> Staff | None:
    """The account a set-up link belongs to, while the link is unused and unexpired."""
    if not token or len(token) > 100:
        return None
    staff = session.scalar(select(Staff).where(Staff.setup_token_hash == hash_token(token)))
    if staff is None or staff.disabled_at is not None or staff.setup_expires_at is None or \
            staff.setup_expires_at <= now:
        return None
    return staff


def pending_totp_secret(session: Session, staff: Staff) -> str:
    """The authenticator secret being set up (made on first view of the set-up page, kept until it is confirmed)."""
    if not staff.totp_secret:
        staff.totp_secret = pyotp.random_base32()
        session.flush()
    return staff.totp_secret


def finish_setup(session: Session, staff: Staff, password: str, code: str, *, now: datetime) -> list[str]:
    """Set the password and confirm the authenticator with a code; the link is used up. Returns recovery codes."""
    problem = password_problem(password, staff.email)
    if problem is not None:
        raise StaffError(problem.value)
    if not staff.totp_secret or not _accept_totp(staff, code, now=now):
        raise StaffError("wrong_code")
    staff.password_hash = hash_password(password)
    staff.password_changed_at = now
    staff.totp_confirmed_at = now
    staff.setup_token_hash = None
    staff.setup_expires_at = None
    staff.last_login_at = now
    return new_recovery_codes(session, staff, now=now)


def set_role(session: Session, staff: Staff, role: str) -> None:
    if role not in ROLES:
        raise StaffError("bad_role", role)
    if staff.role == "admin" and role != "admin" and _is_last_admin(session, staff):
        raise StaffError("last_admin")
    staff.role = role
    session.flush()


def disable(session: Session, staff: Staff, *, now: datetime, keep_an_admin: bool = True) -> None:
    """Disable the account and end its sessions. The command line may disable the last admin (it can make a new
    one); the admin pages may not, so nobody locks everyone out by a click."""
    if keep_an_admin and staff.role == "admin" and _is_last_admin(session, staff):
        raise StaffError("last_admin")
    staff.disabled_at = now
    staff.setup_token_hash = None
    staff_sessions.end_all_sessions(session, staff.id, now=now)
    session.flush()


def enable(session: Session, staff: Staff) -> None:
    staff.disabled_at = None
    session.flush()


def _is_last_admin(session: Session, staff: Staff) -> bool:
    others = session.scalar(select(Staff.id).where(Staff.role == "admin", Staff.disabled_at.is_(None),
                                                   Staff.id != staff.id).limit(1))
    return others is None


def find_by_email(session: Session, email: str) -> Staff | None:
    return session.scalar(select(Staff).where(Staff.email == normalise_email(email)))


def all_staff(session: Session) -> list[Staff]:
    return list(session.scalars(select(Staff).order_by(Staff.email)))


# ---- TOTP and recovery codes ------------------------------------------------------------------------------------

def totp_uri(staff: Staff, issuer: str) -> str:
    return pyotp.TOTP(staff.totp_secret or "").provisioning_uri(name=staff.email, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The authenticator link as an inline SVG QR code, drawn here (no remote service sees the secret)."""
    import segno  # only the set-up page draws one

    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title=title, svgclass="qr", lineclass=None,
                                                 omitsize=True)


def _accept_totp(staff: Staff, code: str, *, now: datetime) -> bool:
    """A 6-digit code from the current time step or one either side (clock drift), used at most once."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit() or not staff.totp_secret:
        return False
    totp = pyotp.TOTP(staff.totp_secret)
    step = totp.timecode(now)
    for candidate in (step - 1, step, step + 1):
        if staff.totp_last_step is not None and candidate <= staff.totp_last_step:
            continue  # this step's code (or an older one) was already used: a replayed code
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            staff.totp_last_step = candidate
            return True
    return False


def _normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def new_recovery_codes(session: Session, staff: Staff, *, now: datetime) -> list[str]:
    """Ten fresh codes (the old ones stop working), formatted xxxx-xxxx-xxxx-xxxx; only hashes are kept."""
    session.query(RecoveryCode).filter(RecoveryCode.staff_id == staff.id).delete()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CHARS))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_CHARS, 4)))
        session.add(RecoveryCode(staff_id=staff.id, code_hash=hash_token(raw), created_at=now))
    session.flush()
    return codes


def recovery_codes_left(session: Session, staff: Staff) -> int:
    return len(session.scalars(select(RecoveryCode.id).where(RecoveryCode.staff_id == staff.id,
                                                            RecoveryCode.used_at.is_(None))).all())


def _use_recovery_code(session: Session, staff: Staff, code: str, *, now: datetime) -> bool:
    raw = _normalise_recovery_code(code)
    if len(raw) != RECOVERY_CHARS:
        return False
    # One conditional UPDATE, so two requests racing with the same code cannot both succeed.
    result = session.execute(update(RecoveryCode).where(
        RecoveryCode.staff_id == staff.id, RecoveryCode.code_hash == hash_token(raw), RecoveryCode.used_at.is_(None))
        .values(used_at=now))
    return (result.rowcount or 0) == 1


# ---- the two login steps ----------------------------------------------------------------------------------------

def check_password_step(session: Session, email: str, password: str, *, address: str, now: datetime) -> Staff | None:
    """The account if the email and password are right and the account is usable, else None.

    Unknown, disabled and unfinished accounts get the same answer as a wrong password, after the same work
    (a dummy hash is verified), so the form does not tell which addresses have accounts.
    Raises ``LoginLocked`` when throttled; a failure is recorded for the caller to commit.
    """
    key = normalise_email(email)[:254]
    if staff_sessions.login_locked(session, key, address, now=now):
        raise LoginLocked()
    staff = session.scalar(select(Staff).where(Staff.email == key))
    usable = staff is not None and staff.active
    matches = _password_matches(staff.password_hash if usable and staff.password_hash else _dummy_hash(),
                                password[:PASSWORD_MAX * 4])
    if not (usable and matches):
        staff_sessions.record_attempt(session, key, address, succeeded=False, now=now)
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff


def check_second_step(session: Session, staff: Staff, code: str, *, address: str, now: datetime) -> str | None:
    """"totp" or "recovery" when the code is right (the login succeeds), None when wrong; raises ``LoginLocked``."""
    if staff_sessions.login_locked(session, staff.email, address, now=now):
        raise LoginLocked()
    if _accept_totp(staff, code, now=now):
        method = "totp"
    elif _use_recovery_code(session, staff, code, now=now):
        method = "recovery"
    else:
        staff_sessions.record_attempt(session, staff.email, address, succeeded=False, now=now)
        return None
    staff_sessions.record_attempt(session, staff.email, address, succeeded=True, now=now)
    staff.last_login_at = now
    session.flush()
    return method
