"""What a submission must satisfy: the call, the organisation, the content. One function lists
every problem with the field it concerns; the service refuses on any, the page shows them all."""

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from microventure.accounts.models import Organization, VerificationStatus
from microventure.applications.answers import answer_problems
from microventure.applications.models import Application, ApplicationStatus, FundingSource
from microventure.calls.models import AttachmentKind, BudgetCategory, Call, CallStatus, Domain
from microventure.core.money import format_fen
from microventure.core.timeutil import format_local, to_local
from microventure.extensions import db

Problems = list[tuple[str, str]]

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")  # how a planned activity's month is stored


def is_month(value: str | None) -> bool:
    """A month as stored, ``2027-03``; the form reads what people type into this shape."""
    return bool(value) and MONTH.fullmatch(value) is not None


def call_problems(application: Application, at: datetime) -> Problems:
    call = application.call
    if call.is_open(at):
        return []
    if at < call.opens_at:
        return [("call", _l("The call opens at %(time)s.", time=format_local(call.opens_at)))]
    if application.reference is not None and call.status is CallStatus.PUBLISHED:
        # a returned application may be resubmitted after the close, while screening goes on
        return []
    return [
        (
            "call",
            _l(
                "The call closed at %(time)s.",
                time=format_local(call.closes_at, "%Y-%m-%d %H:%M:%S"),
            ),
        )
    ]


def organization_problems(application: Application, at: datetime) -> Problems:
    org, call, today = application.organization, application.call, to_local(at).date()
    messages = [*eligibility_problems(org, call, today), *quota_problems(application)]
    return [("organization", message) for message in messages]


def eligibility_problems(org: Organization, call: Call, today: date) -> list[str]:
    """Who may apply: a verified organisation of a kind the call is open to, with a valid
    evaluation rating when the call asks for one, on no exclusion list."""
    messages = []
    if org.verification_status is not VerificationStatus.VERIFIED:
        messages.append(
            _l(
                "Your organisation is %(status)s; only verified organisations can submit.",
                status=org.verification_status.title,
            )
        )
    if org.kind.value not in call.eligible_kinds:
        messages.append(_l("This call is not open to %(kind)s.", kind=org.kind.title))
    if call.min_rating:
        valid = org.rating and (org.rating_expires_on is None or org.rating_expires_on >= today)
        if not valid or org.rating < call.min_rating:
            messages.append(
                _l(
                    "This call needs a valid evaluation rating of %(rating)sA or better.",
                    rating=call.min_rating,
                )
            )
    for exclusion in org.active_exclusions(today):
        messages.append(
            _l("Your organisation is on the %(list)s and cannot apply.", list=exclusion.kind.title)
        )
    return messages


def quota_problems(application: Application) -> list[str]:
    """The call's limit on applications per organisation, this one not counted."""
    call = application.call
    used = count_active(application.organization.id, call.id, excluding=application.id)
    if used < call.max_applications_per_org:
        return []
    return [
        _l(
            "An organisation may submit %(n)s application(s) to this call; yours already has "
            "%(used)s.",
            n=call.max_applications_per_org,
            used=used,
        )
    ]


REQUIRED_TEXT = {
    "title": _l("Give the project a title."),
    "summary": _l("Write a summary of the project."),
    "need_analysis": _l("Describe the need the project answers."),
    "objectives": _l("State the project's objectives."),
}


def content_problems(application: Application) -> Problems:
    call = application.call
    problems: Problems = [
        (name, message)
        for name, message in REQUIRED_TEXT.items()
        if not getattr(application, name).strip()
    ]
    if application.domain is None or application.domain.value not in call.domains:
        problems.append(
            (
                "domain",
                _l(
                    "Choose one of the call's service domains: %(domains)s.",
                    domains="、".join(Domain(d).title for d in call.domains),
                ),
            )
        )
    if not application.community_ids:
        problems.append(("community_ids", _l("Choose the communities the project serves.")))
    elif call.street_id is not None and not set(application.community_ids) <= {
        c.id for c in call.street.communities
    }:
        problems.append(
            ("community_ids", _l("Choose communities in %(street)s only.", street=call.street.name))
        )
    if application.direct_beneficiaries is None:
        problems.append(("direct_beneficiaries", _l("Give the number of direct beneficiaries.")))
    for name, message in (
        ("activities", _l("Plan at least one activity.")),
        ("indicators", _l("Set at least one outcome indicator.")),
        ("team", _l("Name at least one team member.")),
        ("budget_lines", _l("Add the budget lines.")),
    ):
        if not getattr(application, name):
            problems.append((name, message))
    present = {a.kind.value for a in application.current_attachments}
    for kind in call.required_attachments:
        if kind not in present:
            problems.append(
                ("attachments", _l("Attach the %(kind)s.", kind=AttachmentKind(kind).title))
            )
    return problems


# What each row must give before it is submitted (a draft may leave them empty), by cell.
ROW_CELLS = {
    "activities": {
        "name": _l("Name the activity."),
        "month": _l("Give the month, e.g. 2027-03."),
    },
    "indicators": {"name": _l("Name the indicator."), "unit": _l("Give the unit.")},
    "team": {"name": _l("Give the name."), "role": _l("Give the role in the project.")},
    "budget_lines": {"item": _l("Say what the line pays for.")},
}


def row_problems(application: Application) -> Problems:
    """Each row's empty cells, named ``activities-0-month`` like the form's inputs."""
    problems: Problems = []
    for rows, cells in ROW_CELLS.items():
        for index, row in enumerate(getattr(application, rows)):
            for cell, message in cells.items():
                value = (getattr(row, cell) or "").strip()
                if not value or (cell == "month" and not is_month(value)):
                    problems.append((f"{rows}-{index}-{cell}", message))
    return problems


def budget_problems(application: Application) -> Problems:
    call = application.call
    requested, total = application.requested_amount, application.total_budget
    if not application.budget_lines:
        return []
    problems: Problems = []
    if not call.grant_min <= requested <= call.grant_max:
        problems.append(
            (
                "requested",
                _l(
                    "The grant requested is %(requested)s; this call grants from %(min)s to %(max)s.",
                    requested=format_fen(requested),
                    min=format_fen(call.grant_min),
                    max=format_fen(call.grant_max),
                ),
            )
        )
    if requested * 100 > call.max_grant_share * total:
        problems.append(
            (
                "matching",
                _l(
                    "Matching funds and in-kind contributions are %(matching)s of a %(total)s budget; the call requires at least "
                    "%(share)s%% of the total budget from your own or in-kind sources.",
                    matching=format_fen(total - requested),
                    total=format_fen(total),
                    share=call.min_matching_share,
                ),
            )
        )
    return problems + category_cap_problems(application)


def category_cap_problems(application: Application) -> Problems:
    """The share of the grant each capped budget category may take (e.g. personnel, administration)."""
    call, requested = application.call, application.requested_amount
    problems: Problems = []
    for category_value, cap in call.category_caps.items():
        spent = sum(
            line.amount
            for line in application.budget_lines
            if line.source is FundingSource.GRANT and line.category.value == category_value
        )
        if spent * 100 > cap * requested:
            problems.append(
                (
                    "budget_lines",
                    _l(
                        "%(category)s paid by the grant is %(spent)s; the call allows at most %(cap)s%% "
                        "of the grant (%(limit)s).",
                        category=BudgetCategory(category_value).title,
                        spent=format_fen(spent),
                        cap=cap,
                        limit=format_fen(requested * cap // 100),
                    ),
                )
            )
    return problems


def draft_problems(application: Application) -> Problems:
    """What the applicant still has to write or fix in the form before submitting."""
    return (
        content_problems(application)
        + answer_problems(application)
        + row_problems(application)
        + budget_problems(application)
    )


def submission_problems(application: Application, *, at: datetime) -> Problems:
    """Everything that stops a submission now: the call, the organisation, the content. The
    service refuses on any; the edit page's "Check" lists them without submitting."""
    return (
        call_problems(application, at)
        + organization_problems(application, at)
        + draft_problems(application)
    )


def count_active(organization_id: int, call_id: int, *, excluding: int | None = None) -> int:
    """Applications an organisation has in a call that count against the call's limit."""
    return db.session.scalar(
        select(func.count())
        .select_from(Application)
        .where(
            Application.organization_id == organization_id,
            Application.call_id == call_id,
            Application.status.not_in([ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN]),
            Application.id != (excluding or 0),
        )
    )
