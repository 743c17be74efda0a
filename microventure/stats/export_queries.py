"""Rows of the Excel exports: one set-based query per sheet, scoped and filtered like the
dashboard (``queries.filtered``), so an export and the page it comes from agree."""

import sqlalchemy as sa
from sqlalchemy import func, select

from microventure.accounts.models import Community, Organization, Street
from microventure.applications.models import Application, BudgetLine, FundingSource
from microventure.calls.models import Call
from microventure.decisions.models import Decision, Outcome
from microventure.extensions import db
from microventure.funds.queries import RETURNED_TO_FUND
from microventure.projects.models import (
    ActivityRecord,
    ActivitySummary,
    Project,
    RecordStatus,
    Tranche,
    TrancheStatus,
)
from microventure.stats.queries import Scope, project_rows, street_of


def _amount(status_condition):
    return sa.cast(
        func.coalesce(func.sum(sa.case((status_condition, Tranche.amount), else_=0)), 0),
        sa.BigInteger,
    )


def call_applications(call_id: int) -> list:
    """Every submitted application of a call with its screening state, grant requested and
    recommended amount, by reference (one query; the scores come from the ranking)."""
    requested = (
        select(func.coalesce(func.sum(BudgetLine.unit_price * BudgetLine.quantity), 0))
        .where(
            BudgetLine.application_id == Application.id,
            BudgetLine.source == FundingSource.GRANT,
        )
        .scalar_subquery()
    )
    recommended = sa.case((Decision.outcome == Outcome.RECOMMENDED, Decision.amount))
    return db.session.execute(
        select(
            Application.id,
            Application.reference,
            Application.title,
            Application.domain,
            Application.status,
            Application.submitted_at,
            Application.screening_reason,
            Organization.name.label("organization"),
            Street.name.label("street"),
            Street.name_en.label("street_en"),
            sa.cast(requested, sa.BigInteger).label("requested"),
            recommended.label("recommended"),
        )
        .join(Organization, Organization.id == Application.organization_id)
        .join(Street, Street.id == Organization.street_id)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .where(Application.call_id == call_id, Application.reference.is_not(None))
        .order_by(Application.reference)
    ).all()


def _project_columns():
    return (
        Project.id,
        Project.agreement_number,
        Project.title,
        Project.amount,
        Project.status,
        Project.signed_on,
        Application.domain,
        Organization.name.label("organization"),
        Street.name.label("street"),
        Street.name_en.label("street_en"),
        Call.code.label("call_code"),
    )


def ledger_projects(scope: Scope) -> list:
    """Each project of the scope with what it was paid and what returned to the fund."""
    stmt = (
        select(
            *_project_columns(),
            _amount(Tranche.status == TrancheStatus.PAID).label("paid"),
            _amount(Tranche.status.in_(RETURNED_TO_FUND)).label("returned"),
        )
        .select_from(Project)
        .outerjoin(Tranche, Tranche.project_id == Project.id)
    )
    stmt = project_rows(stmt, scope).join(Street, Street.id == street_of())
    return db.session.execute(
        stmt.group_by(*_project_columns()).order_by(Call.code, Project.agreement_number)
    ).all()


def ledger_tranches(scope: Scope) -> list:
    """Every tranche of the scope's projects, project by project."""
    stmt = select(
        *_project_columns(),
        Tranche.position,
        Tranche.percent,
        Tranche.trigger,
        Tranche.amount.label("tranche_amount"),
        Tranche.status.label("tranche_status"),
        Tranche.due_since,
        Tranche.paid_on,
        Tranche.payment_reference,
        Tranche.closed_at,
    ).select_from(Tranche)
    stmt = project_rows(stmt.join(Project, Project.id == Tranche.project_id), scope)
    stmt = stmt.join(Street, Street.id == street_of())
    return db.session.execute(
        stmt.order_by(Call.code, Project.agreement_number, Tranche.position)
    ).all()


def accepted_activities(scope: Scope) -> list:
    """The scope's accepted activity records (the ones the figures count), by date."""
    a = ActivityRecord
    stmt = (
        select(
            a.id,
            a.held_on,
            a.title,
            a.domain,
            a.participants,
            a.verified_participants,
            a.volunteers,
            a.volunteer_hours,
            a.problems_solved,
            a.reviewed_at,
            Project.agreement_number,
            Project.title.label("project"),
            Organization.name.label("organization"),
            Street.name.label("street"),
            Street.name_en.label("street_en"),
            Community.name.label("community"),
        )
        .select_from(a)
        .join(Project, Project.id == a.project_id)
    )
    stmt = project_rows(stmt, scope, a.domain).join(Street, Street.id == street_of())
    stmt = stmt.outerjoin(Community, Community.id == a.community_id)
    return db.session.execute(
        stmt.where(a.status == RecordStatus.ACCEPTED).order_by(a.held_on, a.id)
    ).all()


def row_count(kind: str, scope: Scope) -> int:
    """How many rows an export of ``kind`` would have (to decide whether it runs as a job)."""
    if kind == "ledger":
        stmt = project_rows(
            select(func.count())
            .select_from(Tranche)
            .join(Project, Project.id == Tranche.project_id),
            scope,
        )
        return db.session.scalar(stmt) or 0
    s = ActivitySummary  # the accepted records, counted per project and month
    stmt = project_rows(
        select(func.sum(s.activities)).select_from(s).join(Project, Project.id == s.project_id),
        scope,
        s.domain,
    )
    return int(db.session.scalar(stmt) or 0)
