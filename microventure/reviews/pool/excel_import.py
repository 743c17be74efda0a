"""The reviewer pool's Excel import (评审专家导入): the template, reading a workbook whose header
row is in Chinese or English, and adding each row in its own SAVEPOINT so that a bad row is
reported and skipped while the good ones are kept."""

import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zipfile import BadZipFile

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import ValidationError

from microventure.accounts import services as accounts
from microventure.accounts.models import Organization, Street, User, VerificationStatus
from microventure.calls.models import Domain
from microventure.core.errors import DomainError, RuleViolations
from microventure.core.files import FileKind, detect_kind
from microventure.core.forms import email_address
from microventure.extensions import db
from microventure.reviews.models import ReviewerProfile
from microventure.reviews.pool import services as reviewer_pool

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 500  # each new account hashes a password: keep one upload well inside a request
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in admins' sheets

# column key, the template's Chinese and English headers, and every header accepted
COLUMNS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("name", "姓名", "Name", ("姓名", "名字", "name")),
    ("email", "邮箱", "E-mail", ("邮箱", "电子邮箱", "电子邮件", "邮件", "email", "e-mail")),
    ("mobile", "手机", "Mobile", ("手机", "手机号", "手机号码", "mobile", "phone")),
    ("expertise", "专长领域", "Expertise", ("专长领域", "专长", "领域", "服务领域", "expertise")),
    ("affiliation", "所属单位", "Affiliation", ("所属单位", "工作单位", "单位", "affiliation")),
    (
        "organization",
        "所属机构",
        "Organisation",
        ("所属机构", "机构", "organisation", "organization"),
    ),
    ("street", "镇街", "Street", ("镇街", "街道", "镇", "street", "town")),
    ("password", "初始密码", "Password", ("初始密码", "密码", "password")),
]
_ALIASES = {alias: key for key, _zh, _en, aliases in COLUMNS for alias in aliases}
_SEPARATORS = re.compile(r"[、,，;；/\n]+")
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

ADDED, EXISTS, ERROR = "added", "exists", "error"


@dataclass
class RowOutcome:
    """What became of one row of the sheet."""

    row: int
    email: str
    name: str
    status: str = ERROR
    messages: list[str] = field(default_factory=list)
    password: str | None = None  # generated for a new account: shown once, in the report
    existing_account: bool = False  # added with the account they had (name, password kept)

    @property
    def added(self) -> bool:
        return self.status == ADDED

    @property
    def already_in_pool(self) -> bool:
        return self.status == EXISTS

    @property
    def refused(self) -> bool:
        return self.status == ERROR


class ImportRefused(DomainError):
    """The file as a whole cannot be read; nothing was imported."""


# -------------------------------------------------------------------------------- the template


def template_workbook(locale: str) -> bytes:
    """An empty sheet with the header row in the reader's language, and a second sheet saying
    what each column takes, the domain names included."""
    chinese = locale.startswith("zh")
    book = Workbook()
    sheet = book.active
    sheet.title = "评审专家" if chinese else "Reviewers"
    sheet.append([zh if chinese else en for _key, zh, en, _aliases in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGH", (12, 28, 15, 30, 24, 28, 12, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    for letter in "CH":  # keep mobiles and passwords as typed, not as numbers
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"

    notes = book.create_sheet("说明" if chinese else "Notes")
    notes.append([_("Column"), _("What to enter")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    explanations = {
        "name": _("Required."),
        "email": _("Required; the reviewer logs in with it. An existing account is reused."),
        "mobile": _("Optional; 11 digits."),
        "expertise": _("Service domains separated by 、 or a comma: %(domains)s")
        % {"domains": "、".join(str(d.title) for d in Domain)},
        "affiliation": _("Optional; where the reviewer works."),
        "organization": _(
            "Optional; the exact name of a verified organisation in the district that the "
            "reviewer works for or belongs to: they never review its applications."
        ),
        "street": _("Optional; the street or town name."),
        "password": _(
            "Optional; at least 8 characters. Left empty for a new account, one is generated "
            "and shown in the import report."
        ),
    }
    for key, zh, en, _aliases in COLUMNS:
        notes.append([zh if chinese else en, explanations[key]])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------- reading a file


def _header_key(value: Any) -> str | None:
    """'邮箱（必填）', ' E-mail *' → 'email'."""
    text = re.sub(r"[(（][^)）]*[)）]", "", str(value or ""))
    text = re.sub(r"[\s*＊:：]", "", text).lower()
    return _ALIASES.get(text)


def _text(value: Any) -> str:
    """A cell as text: whole numbers (a mobile typed as a number) without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def read_rows(data: bytes, filename: str = "") -> list[tuple[int, dict[str, str]]]:
    """The data rows of the first sheet as (Excel row number, {column key: text}); refuses a
    file that is not an .xlsx workbook or lacks the name and e-mail columns."""
    if not data.startswith(b"PK") or detect_kind(data, filename) is not FileKind.EXCEL:
        raise ImportRefused(
            _l("This file is not an Excel workbook (.xlsx). Save it as .xlsx and try again.")
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportRefused(
            _l("The workbook could not be read. Save it again as .xlsx and retry.")
        ) from exc
    try:
        rows = []
        if book.worksheets:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # some writers record a wrong size; read every row
            rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    header_at, columns = None, {}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {i: key for i, value in enumerate(row) if (key := _header_key(value))}
        if {"name", "email"} <= set(found.values()):
            header_at, columns = index, found
            break
    if header_at is None:
        raise ImportRefused(
            _l(
                "No header row with the columns 姓名/name and 邮箱/email was found. "
                "Start from the template."
            )
        )
    result = []
    for index, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        values = {key: _text(row[i]) if i < len(row) else "" for i, key in columns.items()}
        if any(values.values()):
            result.append((index, values))
    if len(result) > MAX_ROWS:
        raise ImportRefused(
            _l("At most %(n)s reviewers can be imported at once; split the file.", n=MAX_ROWS)
        )
    return result


# ---------------------------------------------------------------------------- the domain names


def domain_names() -> dict[str, Domain]:
    """Codes, English and Chinese titles (any case) → domain."""
    names: dict[str, Domain] = {}
    for locale in ("en", "zh_CN"):
        with force_locale(locale):
            names |= {str(d.title).lower(): d for d in Domain}
    return names | {d.value: d for d in Domain}


def parse_expertise(text: str, names: dict[str, Domain]) -> tuple[list[Domain], list[str]]:
    """'智慧养老、Mental health,party_building' → domains, and the parts not understood."""
    found: list[Domain] = []
    unknown: list[str] = []
    for part in _SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        domain = names.get(part.lower())
        if domain is None:
            unknown.append(part)
        elif domain not in found:
            found.append(domain)
    return found, unknown


# ----------------------------------------------------------------------------------- importing


class _Lookups:
    """What the rows refer to, loaded in a few queries for the whole file."""

    def __init__(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        emails = {v["email"].strip().lower() for _n, v in rows if v.get("email")}
        org_names = {v["organization"] for _n, v in rows if v.get("organization")}
        self.accounts = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
        self.in_pool = set(
            db.session.scalars(
                select(User.email)
                .join(ReviewerProfile, ReviewerProfile.user_id == User.id)
                .where(User.email.in_(emails))
            )
        )
        self.organizations = {
            o.name: o
            for o in db.session.scalars(
                select(Organization).where(
                    Organization.name.in_(org_names),
                    Organization.verification_status == VerificationStatus.VERIFIED,
                )
            )
        }
        self.streets: dict[str, Street] = {}
        for street in db.session.scalars(select(Street)):
            self.streets[street.name] = street
            self.streets[street.name_en.lower()] = street
        self.domains = domain_names()


def _problem(check, *args) -> str | None:
    """The message ``check(*args)`` refuses with, if it does."""
    try:
        check(*args)
    except DomainError as exc:
        return str(exc)
    except ValidationError as exc:
        return str(exc)
    return None


class _Value:
    """A cell shaped like a form field, so the forms' validators check it the same way."""

    def __init__(self, data: str) -> None:
        self.data = data


def _check_row(values: dict[str, str], lookups: _Lookups, outcome: RowOutcome) -> dict:
    """The row's problems go to ``outcome.messages``; the service's arguments are returned."""
    problems = outcome.messages
    if not outcome.name:
        problems.append(_("The name is missing."))
    elif len(outcome.name) > 80:
        problems.append(_("The name is longer than %(n)s characters.", n=80))
    mobile = values.get("mobile", "")
    if mobile and (message := _problem(accounts.check_mobile, mobile)):
        problems.append(message)
    expertise, unknown = parse_expertise(values.get("expertise", ""), lookups.domains)
    if unknown:
        problems.append(_("Unknown service domain: %(names)s", names="、".join(unknown)))
    affiliation = values.get("affiliation", "")
    if len(affiliation) > 120:
        problems.append(_("The affiliation is longer than %(n)s characters.", n=120))
    organization = None
    if name := values.get("organization"):
        organization = lookups.organizations.get(name)
        if organization is None:
            problems.append(_("No verified organisation is called “%(name)s”.", name=name))
    street = None
    if street_name := values.get("street"):
        street = lookups.streets.get(street_name) or lookups.streets.get(street_name.lower())
        if street is None:
            problems.append(_("No street or town is called “%(name)s”.", name=street_name))
    password = values.get("password", "")
    if outcome.email not in lookups.accounts:
        if not password:
            password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _i in range(10))
            outcome.password = password
        elif message := _problem(accounts.check_password, password):
            problems.append(message)
    return {
        "email": outcome.email,
        "name": outcome.name,
        "expertise": expertise,
        "affiliation": affiliation,
        "organization": organization,
        "street": street,
        "mobile": mobile or None,
        "password": password,
    }


def import_reviewers(rows: list[tuple[int, dict[str, str]]], *, actor: User) -> list[RowOutcome]:
    """Add each row's person to the pool, each in its own SAVEPOINT: a refused row is rolled
    back alone. The caller commits."""
    lookups = _Lookups(rows)
    outcomes: list[RowOutcome] = []
    for number, values in rows:
        email = values.get("email", "").strip().lower()
        outcome = RowOutcome(row=number, email=email, name=values.get("name", "").strip())
        outcomes.append(outcome)
        if not email:
            outcome.messages.append(_("The e-mail address is missing."))
            continue
        if message := _problem(email_address, None, _Value(email)):
            outcome.messages.append(message)
            continue
        if email in lookups.in_pool:
            outcome.status = EXISTS
            continue
        arguments = _check_row(values, lookups, outcome)
        if outcome.messages:
            outcome.password = None
            continue
        try:
            with db.session.begin_nested():
                reviewer_pool.add_reviewer(**arguments, actor=actor)
        except RuleViolations as exc:
            outcome.messages.extend(str(message) for _f, message in exc.problems)
        except DomainError as exc:
            outcome.messages.append(str(exc))
        except IntegrityError:
            outcome.messages.append(_("This row could not be saved; check it and try again."))
        if outcome.messages:
            outcome.password = None
            continue
        outcome.status = ADDED
        outcome.existing_account = email in lookups.accounts
        lookups.in_pool.add(email)
        lookups.accounts.add(email)
    return outcomes


def summary(outcomes: list[RowOutcome]) -> dict[str, int]:
    counts = {ADDED: 0, EXISTS: 0, ERROR: 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts
