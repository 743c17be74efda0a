"""What waits on each role, for the home page: counts with the page each one leads to, one query
per role whatever the data (scalar subqueries in one SELECT), and the headline figures. The home
page reads every feature, so its queries live here, above them."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from microventure.accounts.models import Organization, Role, User, VerificationStatus
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Call, CallStatus
from microventure.core.policy import is_admin, is_district_admin, street_scope
from microventure.core.timeutil import local_today, utcnow
from microventure.decisions.models import Notice
from microventure.extensions import db
from microventure.notifications.models import Delivery, Notification
from microventure.projects import queries as project_queries
from microventure.projects.models import (
    OPEN_REPORT,
    ActivityRecord,
    Project,
    RecordStatus,
    Report,
)
from microventure.reviews.models import OUTSTANDING, Assignment, AssignmentStatus
from microventure.stats import cache, queries
from microventure.stats.forms import Filters

REPORTS_AHEAD = timedelta(days=30)  # a report due within a month is shown as waiting


@dataclass(frozen=True)
class Item:
    label: object
    count: int
    endpoint: str
    args: dict
    urgent: bool = False  # overdue, or work others wait for


def _count(stmt) -> sa.ScalarSelect:
    return select(func.count()).select_from(stmt.subquery()).scalar_subquery()


def _one(*counts) -> list[int]:
    return [int(n or 0) for n in db.session.execute(select(*counts)).one()]


def applicant_work(user: User, today: date) -> list[Item]:
    orgs = user.organization_ids() or {0}
    now = utcnow()
    mine = select(Application.id).where(Application.organization_id.in_(orgs))
    projects = select(Project.id).where(Project.organization_id.in_(orgs))
    open_calls, drafts, returned, reports, records = _one(
        _count(
            select(Call.id).where(
                Call.status == CallStatus.PUBLISHED, Call.opens_at <= now, Call.closes_at > now
            )
        ),
        _count(mine.where(Application.status == ApplicationStatus.DRAFT)),
        _count(mine.where(Application.status == ApplicationStatus.RETURNED)),
        _count(
            select(Report.id).where(
                Report.project_id.in_(projects),
                Report.status.in_(OPEN_REPORT),
                Report.due_on <= today + REPORTS_AHEAD,
            )
        ),
        _count(
            select(ActivityRecord.id).where(
                ActivityRecord.project_id.in_(projects),
                ActivityRecord.status == RecordStatus.RETURNED,
            )
        ),
    )
    return [
        Item(_l("Open calls for proposals"), open_calls, "calls.index", {}),
        Item(_l("Drafts not yet submitted"), drafts, "applications.mine", {}),
        Item(_l("Applications returned for revision"), returned, "applications.mine", {}, True),
        Item(_l("Reports due within a month"), reports, "projects.mine", {}, True),
        Item(_l("Activity records returned for revision"), records, "projects.mine", {}, True),
    ]


def reviewer_work(user: User, today: date) -> list[Item]:
    outstanding = select(Assignment.id).where(
        Assignment.reviewer_id == user.id, Assignment.status.in_(OUTSTANDING)
    )
    to_do, due_soon, overdue = _one(
        _count(outstanding),
        _count(outstanding.where(Assignment.due_on.between(today, today + timedelta(days=2)))),
        _count(outstanding.where(Assignment.due_on < today)),
    )
    return [
        Item(_l("Reviews to do"), to_do, "reviewing.index", {}),
        Item(_l("Reviews due in the next two days"), due_soon, "reviewing.index", {}, True),
        Item(_l("Reviews overdue"), overdue, "reviewing.index", {}, True),
    ]


def _admin_counts(user: User, today: date) -> list:
    """The counts of what waits on an admin in their streets (all of them for district admins,
    who also verify organisations and resend failed mail), by the call's street."""
    streets = street_scope(user)

    def scoped(stmt):
        return stmt if streets is None else stmt.where(Call.street_id.in_(streets or {0}))

    apps = scoped(select(Application.id).join(Call, Call.id == Application.call_id))
    reviewers = (
        select(func.count())
        .where(
            Assignment.application_id == Application.id,
            Assignment.status != AssignmentStatus.DECLINED,
        )
        .scalar_subquery()
    )
    assignments = scoped(select(Assignment.id).join(Call, Call.id == Assignment.call_id))
    notices = scoped(select(Notice.id).join(Call, Call.id == Notice.call_id))
    counts = [
        _count(apps.where(Application.status == ApplicationStatus.SUBMITTED)),
        _count(
            apps.where(
                Application.status == ApplicationStatus.ELIGIBLE,
                reviewers < Call.reviewers_per_application,
            )
        ),
        _count(assignments.where(Assignment.status.in_(OUTSTANDING), Assignment.due_on < today)),
        _count(notices.where(Notice.ends_at > utcnow())),
    ]
    if is_district_admin(user):
        pending = Organization.verification_status == VerificationStatus.PENDING
        counts += [
            _count(select(Organization.id).where(pending)),
            _count(select(Notification.id).where(Notification.email == Delivery.FAILED)),
        ]
    return counts


def admin_work(user: User, today: date) -> list[Item]:
    found = _one(*_admin_counts(user, today))
    waiting = project_queries.waiting(user)
    projects = "projects_admin.index"
    items = [
        Item(_l("Applications to screen"), found[0], "calls.admin_index", {}, True),
        Item(_l("Eligible applications short of reviewers"), found[1], "calls.admin_index", {}),
        Item(_l("Reviews overdue"), found[2], "calls.admin_index", {}, True),
        Item(_l("Public notices open"), found[3], "notices.index", {}),
        Item(_l("Projects with a tranche due"), waiting.due_count, "payments.due", {}, True),
        Item(
            _l("Projects with records or reports to review"),
            waiting.review_count,
            projects,
            {"review": "1"},
            True,
        ),
    ]
    if len(found) > 4:
        items += [
            Item(
                _l("Organisations awaiting verification"),
                found[4],
                "admin.organizations",
                {"status": "pending"},
                True,
            ),
            Item(_l("Undelivered e-mails"), found[5], "notifications.failed", {}, True),
        ]
    return items


def work_of(user: User) -> list[tuple[object, list[Item]]]:
    """Each of the user's roles with what waits on it."""
    today = local_today()
    found = []
    if is_admin(user):
        found.append((_l("Administration"), admin_work(user, today)))
    if user.has_role(Role.REVIEWER):
        found.append((_l("Reviews"), reviewer_work(user, today)))
    if user.memberships:
        found.append((_l("My organisation"), applicant_work(user, today)))
    return found


def headline(user: User | None) -> queries.Measures:
    """The headline figures of the user's streets (the district's for the public): raised,
    applications received and approved, activities and participants — three queries."""
    allowed = street_scope(user) if user is not None and is_admin(user) else None
    scope = queries.Scope.of(Filters(), allowed)
    key = ("headline", None if allowed is None else frozenset(allowed))
    return cache.cached(key, lambda: queries.headline(scope))
