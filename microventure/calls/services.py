"""Creating, editing, publishing, closing and copying calls. Services flush; the caller commits."""

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from microventure.accounts.models import OrganizationKind, Street, User
from microventure.calls import questions
from microventure.calls.models import (
    CALL,
    Aggregation,
    AttachmentKind,
    BudgetCategory,
    Call,
    CallStatus,
    Domain,
    LineRule,
    RubricCriterion,
    TranchePlanItem,
    TrancheTrigger,
)
from microventure.core import audit
from microventure.core.errors import DomainError, collect
from microventure.core.locks import locked
from microventure.core.money import format_fen
from microventure.core.policy import can
from microventure.core.timeutil import to_local, utcnow
from microventure.extensions import db
from microventure.funds import queries as fund_queries
from microventure.funds.models import Fund

CODE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
REPORT_GRACE = timedelta(days=60)  # a final report may be due up to two months after the end


@dataclass(frozen=True, kw_only=True)
class Criterion:
    name: str
    description: str
    max_points: int


@dataclass(frozen=True, kw_only=True)
class Tranche:
    percent: int
    trigger: TrancheTrigger


@dataclass(frozen=True, kw_only=True)
class CallSettings:
    """Everything an admin decides about a call (see DESIGN.md, 'Funds and calls')."""

    fund_id: int
    street_id: int | None
    code: str
    title: str
    year: int
    description: str
    budget: int
    domains: list[Domain]
    eligible_kinds: list[OrganizationKind]
    min_rating: int | None
    max_applications_per_org: int
    grant_min: int
    grant_max: int
    max_grant_share: int
    category_caps: dict[BudgetCategory, int]
    required_attachments: list[AttachmentKind]
    criteria: list[Criterion]
    reviewers_per_application: int
    aggregation: Aggregation
    funding_line_rule: LineRule
    blind_review: bool
    reviewers_see_others_after_submit: bool
    disagreement_threshold: int
    reviewer_names_in_notice: bool
    notice_working_days: int
    project_starts_on: date
    project_ends_on: date
    midterm_report_due_on: date | None
    final_report_due_on: date
    overspend_tolerance: int
    tranches: list[Tranche]
    opens_at: datetime
    closes_at: datetime
    extra: dict = field(default_factory=dict)
    attendance_tolerance: int = 20  # % typed participants may exceed those checked in
    attendance_keeps_names: bool = False  # check-ins keep the name typed (else only a hash)


def settings_of(call: Call) -> CallSettings:
    """The settings a call has now (for the edit form and for copying)."""
    return CallSettings(
        **{
            name: getattr(call, name)
            for name in CallSettings.__dataclass_fields__
            if name
            not in (
                "criteria",
                "tranches",
                "extra",
                "domains",
                "eligible_kinds",
                "category_caps",
                "required_attachments",
            )
        },
        domains=[Domain(d) for d in call.domains],
        eligible_kinds=[OrganizationKind(k) for k in call.eligible_kinds],
        category_caps={BudgetCategory(k): v for k, v in call.category_caps.items()},
        required_attachments=[AttachmentKind(a) for a in call.required_attachments],
        criteria=[
            Criterion(name=c.name, description=c.description, max_points=c.max_points)
            for c in call.criteria
        ],
        tranches=[Tranche(percent=t.percent, trigger=t.trigger) for t in call.tranches],
    )


# ------------------------------------------------------------------------------------ validation


def _check_identity(s: CallSettings, call: Call | None) -> None:
    if not CODE.match(s.code):
        raise DomainError(
            _l("Use capital letters, digits and dashes, e.g. NC-2026-MCT."), field="code"
        )
    taken = db.session.scalar(
        select(Call.id).where(Call.code == s.code, Call.id != (call.id if call else 0))
    )
    if taken:
        raise DomainError(_l("Another call already uses this code."), field="code")
    if len(s.code) > 24:
        raise DomainError(_l("Keep the code to 24 characters."), field="code")
    if not s.title.strip() or len(s.title) > 200:
        raise DomainError(_l("Give the call a title of at most 200 characters."), field="title")


def _check_money(s: CallSettings) -> None:
    if s.budget <= 0:
        raise DomainError(_l("The budget must be more than zero."), field="budget")
    if not 0 < s.grant_min <= s.grant_max:
        raise DomainError(
            _l("The smallest grant must be more than zero and not above the largest."),
            field="grant_min",
        )
    if s.grant_max > s.budget:
        raise DomainError(_l("The largest grant cannot exceed the budget."), field="grant_max")
    if not 1 <= s.max_grant_share <= 100:
        raise DomainError(_l("Give a percentage from 1 to 100."), field="max_grant_share")
    for category, cap in s.category_caps.items():
        if not 0 <= cap <= 100:
            raise DomainError(_l("Give a percentage from 0 to 100."), field=f"cap_{category.value}")


# Whole-number settings and the range each may take.
RANGES = {
    "year": (2000, 2100),
    "max_applications_per_org": (1, 20),
    "reviewers_per_application": (1, 15),
    "notice_working_days": (1, 30),
    "disagreement_threshold": (0, 100),
    "overspend_tolerance": (0, 100),
    "attendance_tolerance": (0, 100),
}


def _check_rules(s: CallSettings) -> None:
    if not s.domains:
        raise DomainError(_l("Choose at least one service domain."), field="domains")
    if not s.eligible_kinds:
        raise DomainError(
            _l("Choose which kinds of organisation may apply."), field="eligible_kinds"
        )
    collect(
        [_range_check(name, getattr(s, name), low, high) for name, (low, high) in RANGES.items()]
    )


def _range_check(name: str, value: int, low: int, high: int):
    def check() -> None:
        if value is None or not low <= value <= high:
            raise DomainError(
                _l("Give a whole number from %(low)s to %(high)s.", low=low, high=high), field=name
            )

    return check


def _check_rubric(s: CallSettings) -> None:
    if not s.criteria or any(
        not c.name.strip() or len(c.name) > 80 or c.max_points <= 0 for c in s.criteria
    ):
        raise DomainError(_l("Each criterion needs a name and positive points."), field="criteria")
    total = sum(c.max_points for c in s.criteria)
    if total != 100:
        raise DomainError(
            _l("The rubric's points add up to %(total)s; they must add up to 100.", total=total),
            field="criteria",
        )


def _check_tranches(s: CallSettings) -> None:
    total = sum(t.percent for t in s.tranches)
    if not s.tranches or any(t.percent <= 0 for t in s.tranches) or total != 100:
        raise DomainError(
            _l("The tranches add up to %(total)s%%; they must add up to 100%%.", total=total),
            field="tranches",
        )
    if s.midterm_report_due_on is None and any(
        t.trigger is TrancheTrigger.MIDTERM_ACCEPTED for t in s.tranches
    ):
        raise DomainError(
            _l("A tranche waits for the mid-term report: give its due date."),
            field="midterm_report_due_on",
        )


def _check_dates(s: CallSettings) -> None:
    if s.opens_at >= s.closes_at:
        raise DomainError(_l("The call must close after it opens."), field="closes_at")
    if s.project_starts_on >= s.project_ends_on:
        raise DomainError(
            _l("The project period must end after it starts."), field="project_ends_on"
        )
    if s.project_starts_on < to_local(s.closes_at).date():
        raise DomainError(
            _l("Projects cannot start before the call closes."), field="project_starts_on"
        )
    for name in ("midterm_report_due_on", "final_report_due_on"):
        due = getattr(s, name)
        if due is not None and not s.project_starts_on < due <= s.project_ends_on + REPORT_GRACE:
            raise DomainError(_l("Report due dates fall within the project period."), field=name)


def _check_fund(s: CallSettings, actor: User, call: Call | None) -> Fund:
    """The fund can be used by the actor, and its unallocated money covers the budget. The fund row
    is locked (PostgreSQL) so two admins cannot allocate the same money at once."""
    fund = locked(Fund, s.fund_id)
    if fund is None or not can(actor, "fund.manage", fund):
        raise DomainError(_l("Choose one of your funds."), field="fund_id")
    if fund.street_id is not None and s.street_id != fund.street_id:
        raise DomainError(
            _l("A street's fund pays for calls in that street only."), field="street_id"
        )
    if s.street_id is not None and db.session.get(Street, s.street_id) is None:
        raise DomainError(_l("Choose a street."), field="street_id")
    left = fund_queries.balance(fund.id, exclude_call_id=call.id if call else None).unallocated
    if s.budget > left:
        raise DomainError(
            _l(
                "The fund has %(left)s unallocated; the budget cannot exceed it.",
                left=format_fen(left),
            ),
            field="budget",
        )
    return fund


def check_settings(s: CallSettings, *, actor: User, call: Call | None = None) -> None:
    """Every rule about a call's settings, all problems reported together."""
    collect(
        [
            lambda: _check_identity(s, call),
            lambda: _check_money(s),
            lambda: _check_rules(s),
            lambda: _check_rubric(s),
            lambda: _check_tranches(s),
            lambda: _check_dates(s),
            lambda: _check_fund(s, actor, call),
        ]
    )


# ------------------------------------------------------------------------------------ operations


def _apply(call: Call, s: CallSettings) -> None:
    plain = asdict(s)
    for name in ("criteria", "tranches", "extra"):
        plain.pop(name)
    plain["domains"] = [d.value for d in s.domains]
    plain["eligible_kinds"] = [k.value for k in s.eligible_kinds]
    plain["category_caps"] = {k.value: v for k, v in s.category_caps.items()}
    plain["required_attachments"] = [a.value for a in s.required_attachments]
    plain["code"] = s.code.strip().upper()
    plain["title"] = s.title.strip()
    for name, value in plain.items():
        setattr(call, name, value)
    if call.id is not None and (call.criteria or call.tranches):
        # Delete the old rows first: the new ones reuse their (call_id, position) keys, and the
        # unit of work would otherwise insert them before deleting the orphans.
        call.criteria.clear()
        call.tranches.clear()
        db.session.flush()
    call.criteria = [
        RubricCriterion(
            position=i,
            name=c.name.strip(),
            description=c.description.strip(),
            max_points=c.max_points,
        )
        for i, c in enumerate(s.criteria)
    ]
    call.tranches = [
        TranchePlanItem(position=i, percent=t.percent, trigger=t.trigger)
        for i, t in enumerate(s.tranches)
    ]


def create_call(*, settings: CallSettings, actor: User, copied_from: Call | None = None) -> Call:
    settings = replace(settings, code=settings.code.strip().upper())
    check_settings(settings, actor=actor)
    call = Call(created_by_id=actor.id, status=CallStatus.DRAFT, copied_from=copied_from)
    _apply(call, settings)
    db.session.add(call)
    db.session.flush()
    audit.record(
        action="call.created",
        obj=call,
        actor=actor,
        after={
            "code": call.code,
            "budget": call.budget,
            "fund_id": call.fund_id,
            "copied_from_id": copied_from.id if copied_from else None,
        },
    )
    return call


def update_call(*, call: Call, settings: CallSettings, actor: User) -> None:
    if call.status is not CallStatus.DRAFT:
        raise DomainError(_l("Only a draft call can be edited."))
    settings = replace(settings, code=settings.code.strip().upper())
    check_settings(settings, actor=actor, call=call)
    before = {"budget": call.budget, "opens_at": call.opens_at, "closes_at": call.closes_at}
    _apply(call, settings)
    db.session.flush()
    audit.record(
        action="call.updated",
        obj=call,
        actor=actor,
        before=before,
        after={"budget": call.budget, "opens_at": call.opens_at, "closes_at": call.closes_at},
    )


def publish_call(*, call: Call, actor: User) -> None:
    if call.status is not CallStatus.DRAFT:
        raise DomainError(_l("Only a draft call can be published."))
    if call.closes_at <= utcnow():
        raise DomainError(_l("The closing time has passed; move it before publishing."))
    check_settings(settings_of(call), actor=actor, call=call)
    CALL.move(call, CallStatus.PUBLISHED, actor=actor, values={"published_at": utcnow()})


def close_call_early(*, call: Call, actor: User) -> None:
    now = utcnow()
    if call.status is not CallStatus.PUBLISHED or call.closes_at <= now:
        raise DomainError(_l("Only a call that has not closed yet can be closed early."))
    before = {"opens_at": call.opens_at, "closes_at": call.closes_at}
    call.closes_at = now
    call.opens_at = min(call.opens_at, now - timedelta(seconds=1))  # a call not yet open ends too
    audit.record(
        action="call.closed_early",
        obj=call,
        actor=actor,
        before=before,
        after={"opens_at": call.opens_at, "closes_at": call.closes_at},
    )


def _next_year(day, years: int = 1):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def copy_call(*, call: Call, actor: User) -> Call:
    """Last year's call as this year's draft: same settings and questions, every date a year
    later."""
    old = settings_of(call)
    code = old.code.replace(str(old.year), str(old.year + 1))
    if code == old.code or db.session.scalar(select(Call.id).where(Call.code == code)):
        code = f"{old.code}-{old.year + 1}"
    dates = {
        name: _next_year(getattr(old, name))
        for name in (
            "project_starts_on",
            "project_ends_on",
            "midterm_report_due_on",
            "final_report_due_on",
            "opens_at",
            "closes_at",
        )
        if getattr(old, name) is not None
    }
    settings = replace(old, code=code, year=old.year + 1, **dates)
    created = create_call(settings=settings, actor=actor, copied_from=call)
    questions.copy_questions(source=call, target=created)
    return created
