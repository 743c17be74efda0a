"""Read side for the applicant's pages: their list, one application with its rows, the choices
the form offers, and the budget figures shown beside it."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields import SelectChoice

from microventure.accounts.models import Community, Membership, Organization, Street, User
from microventure.applications.answers import readable_answers
from microventure.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    FundingSource,
)
from microventure.calls.models import AttachmentKind, BudgetCategory, Call, CallStatus, Domain
from microventure.core.i18n import current_language
from microventure.core.pagination import RowPagination, paginate_rows
from microventure.decisions.models import Decision
from microventure.extensions import db
from microventure.projects.models import Project


def requested_amount_column():
    """The grant requested, summed in SQL (the same sum as ``Application.requested_amount``)."""
    return (
        # PostgreSQL sums bigints as numeric: cast back, amounts are whole fen.
        select(
            cast(
                func.coalesce(func.sum(BudgetLine.unit_price * BudgetLine.quantity), 0), BigInteger
            )
        )
        .where(
            BudgetLine.application_id == Application.id,
            BudgetLine.source == FundingSource.GRANT,
        )
        .correlate(Application)
        .scalar_subquery()
    )


def applications_of(user: User, *, page: int = 1, per_page: int = 20) -> RowPagination:
    """The applications of every organisation the user belongs to, newest first: one query for
    the rows (call, organisation and requested amount joined in) and one to count them."""
    stmt = (
        select(
            Application.id,
            Application.reference,
            Application.status,
            Application.title,
            Application.created_at,
            Application.updated_at,
            Application.submitted_at,
            Application.call_id,
            Call.title.label("call_title"),
            Call.closes_at.label("call_closes_at"),
            Organization.name.label("organization_name"),
            requested_amount_column().label("requested"),
        )
        .join(Call, Call.id == Application.call_id)
        .join(Organization, Organization.id == Application.organization_id)
        .where(
            Application.organization_id.in_(
                select(Membership.organization_id).where(Membership.user_id == user.id)
            )
        )
        .order_by(Application.created_at.desc(), Application.id.desc())
    )
    return paginate_rows(stmt, page=page, per_page=per_page)


def application_page(application_id: int) -> Application | None:
    """An application with everything its pages show, loaded up front: the call's questions
    joined in (a row per question; the one collection joined, the others each a query)."""
    return (
        db.session.scalars(
            select(Application)
            .options(
                joinedload(Application.call).joinedload(Call.street),
                joinedload(Application.call).joinedload(Call.questions),
                selectinload(Application.answers),
                joinedload(Application.organization),
                selectinload(Application.activities),
                selectinload(Application.indicators),
                selectinload(Application.team),
                selectinload(Application.budget_lines),
                selectinload(Application.attachments),
                selectinload(Application.versions).load_only(
                    ApplicationVersion.number, ApplicationVersion.submitted_at
                ),
            )
            .where(Application.id == application_id)
        )
        .unique()
        .first()
    )


def application_header(application_id: int) -> Application | None:
    """An application with its call and organisation, its rows left to load when needed."""
    return db.session.scalar(
        select(Application)
        .options(
            joinedload(Application.call).joinedload(Call.street),
            joinedload(Application.organization),
        )
        .where(Application.id == application_id)
    )


def attachment_with_application(attachment_id: int) -> Attachment | None:
    # The call comes along: a street admin's access depends on the call's street.
    return db.session.scalar(
        select(Attachment)
        .options(joinedload(Attachment.application).joinedload(Application.call))
        .where(Attachment.id == attachment_id)
    )


def latest_version(application_id: int) -> ApplicationVersion | None:
    return db.session.scalar(
        select(ApplicationVersion)
        .where(ApplicationVersion.application_id == application_id)
        .order_by(ApplicationVersion.number.desc())
        .limit(1)
    )


def existing_draft(*, call_id: int, organization_id: int) -> Application | None:
    return db.session.scalar(
        select(Application)
        .where(
            Application.call_id == call_id,
            Application.organization_id == organization_id,
            Application.status == ApplicationStatus.DRAFT,
        )
        .order_by(Application.id.desc())
        .limit(1)
    )


def organization_choices(user: User) -> list[SelectChoice]:
    rows = db.session.execute(
        select(Organization.id, Organization.name)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user.id)
        .order_by(Organization.name)
    )
    return [SelectChoice(value=str(r.id), label=r.name) for r in rows]


def community_choices(street_id: int | None) -> list[SelectChoice]:
    """The call street's communities, or every street's for a district-wide call, grouped."""
    locale = current_language()
    stmt = (
        select(Street, Community)
        .join(Community, Community.street_id == Street.id)
        .order_by(Street.position, Street.id, Community.position, Community.id)
    )
    if street_id is not None:
        stmt = stmt.where(Street.id == street_id)
    return [
        SelectChoice(value=str(c.id), label=c.name, optgroup=s.display_name(locale))
        for s, c in db.session.execute(stmt)
    ]


def community_names(ids: Iterable[int]) -> list[str]:
    ids = list(ids)
    if not ids:
        return []
    locale = current_language()
    rows = db.session.execute(
        select(Street, Community.name)
        .join(Community, Community.street_id == Street.id)
        .where(Community.id.in_(ids))
        .order_by(Street.position, Street.id, Community.position, Community.id)
    )
    return [f"{street.display_name(locale)} · {name}" for street, name in rows]


# ------------------------------------------------------------------------------ budget figures


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CategoryShare:
    category: BudgetCategory
    cap: int  # percent of the grant
    spent: int  # fen paid by the grant
    share: Decimal | None
    over: bool


@dataclass(frozen=True)
class BudgetSummary:
    """The totals the submission rules check, computed the way ``rules.budget_problems`` does."""

    requested: int
    matching: int
    in_kind: int
    total: int
    share: Decimal | None  # grant as a percent of the total budget
    max_share: int
    share_over: bool
    grant_min: int
    grant_max: int
    requested_out_of_range: bool
    categories: list[CategoryShare]

    @property
    def own(self) -> int:
        return self.matching + self.in_kind


def budget_summary(lines: Iterable[tuple[str, str, int]], call: Call) -> BudgetSummary:
    """``lines`` are (category value, source value, amount in fen), from rows or a snapshot."""
    by_source = dict.fromkeys(FundingSource, 0)
    grant_by_category: dict[str, int] = {}
    for category, source, amount in lines:
        by_source[FundingSource(source)] += amount
        if source == FundingSource.GRANT:
            grant_by_category[category] = grant_by_category.get(category, 0) + amount
    requested = by_source[FundingSource.GRANT]
    total = sum(by_source.values())
    categories = [
        CategoryShare(
            category=BudgetCategory(value),
            cap=cap,
            spent=grant_by_category.get(value, 0),
            share=_percent(grant_by_category.get(value, 0), requested),
            over=grant_by_category.get(value, 0) * 100 > cap * requested,
        )
        for value, cap in call.category_caps.items()
    ]
    return BudgetSummary(
        requested=requested,
        matching=by_source[FundingSource.MATCHING],
        in_kind=by_source[FundingSource.IN_KIND],
        total=total,
        share=_percent(requested, total),
        max_share=call.max_grant_share,
        share_over=requested * 100 > call.max_grant_share * total,
        grant_min=call.grant_min,
        grant_max=call.grant_max,
        requested_out_of_range=bool(total) and not call.grant_min <= requested <= call.grant_max,
        categories=categories,
    )


def live_budget(application: Application) -> BudgetSummary:
    return budget_summary(
        ((b.category.value, b.source.value, b.amount) for b in application.budget_lines),
        application.call,
    )


def readable(snapshot: dict, call: Call, *, blind: bool = False) -> dict:
    """A snapshot (``services.snapshot``: submitted, or built from the live draft) with titles
    and names in the reader's language, for the read-only and print pages; ``blind`` hides
    the answers to questions marked identifying (a blind review)."""
    lines = [
        line
        | {
            "category_title": BudgetCategory(line["category"]).title,
            "source_title": FundingSource(line["source"]).title,
        }
        for line in snapshot["budget_lines"]
    ]
    return snapshot | {
        "domain_title": Domain(snapshot["domain"]).title if snapshot["domain"] else "",
        "communities": community_names(snapshot["community_ids"]),
        "budget_lines": lines,
        "attachments": [
            a | {"kind_title": AttachmentKind(a["kind"]).title} for a in snapshot["attachments"]
        ],
        "budget": budget_summary(((b["category"], b["source"], b["amount"]) for b in lines), call),
        "answers": readable_answers(
            snapshot.get("answers") or [], locale=current_language(), blind=blind
        ),
    }


def outcome(application: Application, *, admin: bool) -> dict:
    """The decision on the application and the project it became. Applicants see the decision
    once the notice is published (until then it may still change); admins always see it."""
    public = application.call.status in (
        CallStatus.NOTICE,
        CallStatus.FINALIZED,
        CallStatus.ARCHIVED,
    )
    decision, project = db.session.execute(
        select(Decision, Project)
        .select_from(Application)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .outerjoin(Project, Project.application_id == Application.id)
        .where(Application.id == application.id)
    ).one()  # each at most one per application: one row, in one query
    return {"decision": decision if admin or public else None, "project": project}
