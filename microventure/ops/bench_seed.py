"""``flask bench seed --scale N``: a district's data at N times its size, written in bulk
(bulk_load.py) — streets, communities, organisations and their members, staff, the reviewer
pool, funds and calls; the rounds themselves are in bench_rounds.py. bench/README.md."""

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from microventure.accounts import passwords
from microventure.accounts.credit_code import check_character
from microventure.accounts.models import (
    Community,
    CommunityKind,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    RoleGrant,
    Street,
    StreetKind,
    User,
    VerificationStatus,
)
from microventure.calls.models import (
    Aggregation,
    BudgetCategory,
    Call,
    CallStatus,
    Domain,
    LineRule,
    RubricCriterion,
    TrancheTrigger,
)
from microventure.calls.models import TranchePlanItem as PlanItem
from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_datetime, local_today, utcnow
from microventure.demo.rounds import RUBRIC
from microventure.funds.models import Contribution, Fund, FundKind
from microventure.ops.bulk_load import Loader
from microventure.reviews.models import ReviewerProfile

PASSWORD = "bench-password-1"
CALL_SIZE = 500  # applications of the ranking call (the budget's 500 × 3)
CALL_BUDGET = 6_000_000_00
DISTRICT, STREET, REVIEWER, MEMBER = (
    "district@bench.local",
    "street@bench.local",
    "reviewer1@bench.local",
    "member@bench.local",
)


@dataclass(frozen=True)
class Sizes:
    """What a scale means: scale 1 is a district (Panyu) after a few years."""

    streets: int
    communities: int
    organizations: int
    calls: int
    open_calls: int
    applications: int
    projects: int
    activities: int
    notifications: int
    reviewers: int

    @classmethod
    def of(cls, scale: float) -> "Sizes":
        def n(full: int, least: int = 1) -> int:
            return max(least, round(full * scale))

        streets = n(16, 2)
        return cls(
            streets=streets,
            communities=n(275, streets),
            organizations=n(2_000, 10 * streets),
            calls=n(40, 5),
            open_calls=n(4),
            applications=n(20_000, 50),
            projects=n(5_000, 5),
            activities=n(100_000, 20),
            notifications=n(200_000, 20),
            reviewers=n(150, 30),
        )


@dataclass
class World:
    """Ids the rounds and the benchmark need, filled in as the data is written."""

    sizes: Sizes
    rng: random.Random
    load: Loader
    today: date = field(default_factory=local_today)
    now: datetime = field(default_factory=utcnow)
    district_id: int = 0
    street_ids: list[int] = field(default_factory=list)
    communities: dict[int, list[int]] = field(default_factory=dict)  # street id → ids
    orgs: dict[int, list[int]] = field(default_factory=dict)  # street id → ids
    owners: dict[int, int] = field(default_factory=dict)  # organisation id → owner's user id
    admins: dict[int, int] = field(default_factory=dict)  # street id → its admin's user id
    reviewers: list[int] = field(default_factory=list)
    funds: dict[int, int] = field(default_factory=dict)  # street id → fund id
    projects_start: dict[int, date] = field(default_factory=dict)  # project id → its start
    manifest: dict = field(default_factory=dict)  # what bench/run measures

    def event(self, action, object_type, object_id, actor_id, at, before=None, after=None):
        return audit_row(action, object_type, object_id, actor_id, at, before, after)


def audit_row(action, object_type, object_id, actor_id, at, before=None, after=None, note=None):
    """An audit event row for a bulk insert, as ``core.audit.record`` writes it."""
    return dict(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        before=before,
        after=after,
        note=note,
        ip_address=None,
        occurred_at=at,
    )


def credit_code(n: int) -> str:
    """The ``n``-th made-up organisation's 统一社会信用代码, with a valid check character."""
    body = f"52440113MJ{n + 7_000_000:07d}"
    return body + check_character(body)


def utc_day(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def write_people(world: World) -> None:
    _streets(world)
    hashed = passwords.hash_password(PASSWORD)
    _staff(world, hashed)
    _organizations(world, hashed)


def _streets(world: World) -> None:
    sizes, load = world.sizes, world.load
    world.street_ids = list(load.ids(Street, sizes.streets))
    load.add(
        Street,
        [
            dict(id=s, name=f"基准街道{n + 1}", name_en=f"Bench street {n + 1}", position=n)
            | dict(kind=StreetKind.TOWN if n % 3 == 2 else StreetKind.STREET)
            for n, s in enumerate(world.street_ids)
        ],
    )
    ids = load.ids(Community, sizes.communities)
    rows = []
    for n, community_id in enumerate(ids):
        street = world.street_ids[n % sizes.streets]
        world.communities.setdefault(street, []).append(community_id)
        kind = CommunityKind.VILLAGE if n % 4 == 3 else CommunityKind.COMMUNITY
        name = f"第{n + 1}{'村' if kind is CommunityKind.VILLAGE else '社区'}"
        rows.append(dict(id=community_id, street_id=street, name=name, kind=kind, position=n))
    load.add(Community, rows)


def _user(user_id: int, email: str, name: str, hashed: str) -> dict:
    token = hashlib.sha256(f"bench-{user_id}".encode()).hexdigest()
    return dict(id=user_id, email=email, name=name, password_hash=hashed, session_token=token)


def _staff(world: World, hashed: str) -> None:
    """The district admin, one admin per street (the first street's is ``STREET``) and the
    reviewer pool (``REVIEWER`` first), with their role grants."""
    load, at, streets = world.load, world.now - timedelta(days=900), world.street_ids
    count = 1 + len(streets) + world.sizes.reviewers
    ids = list(load.ids(User, count))
    world.district_id = ids[0]
    world.admins = dict(zip(streets, ids[1 : 1 + len(streets)], strict=True))
    world.reviewers = ids[1 + len(streets) :]
    users = [_user(ids[0], DISTRICT, "区级管理员", hashed)]
    users += [
        _user(u, STREET if n == 0 else f"street{n + 1}@bench.local", f"街道管理员{n + 1}", hashed)
        for n, u in enumerate(world.admins.values())
    ]
    users += [
        _user(u, f"reviewer{n + 1}@bench.local", f"评审专家{n + 1:03d}", hashed)
        for n, u in enumerate(world.reviewers)
    ]
    load.add(User, [u | dict(created_at=at, email_confirmed_at=at) for u in users])
    grant = dict(granted_at=at, granted_by_id=ids[0])
    grants = [dict(user_id=ids[0], role=Role.DISTRICT_ADMIN, street_id=None) | grant]
    grants += [
        dict(user_id=u, role=Role.STREET_ADMIN, street_id=s) | grant
        for s, u in world.admins.items()
    ]
    grants += [dict(user_id=u, role=Role.REVIEWER, street_id=None) | grant for u in world.reviewers]
    load.add(RoleGrant, grants)
    domains = list(Domain)
    load.add(
        ReviewerProfile,
        [
            dict(user_id=u, expertise=[domains[n % 6].value, domains[(n + 2) % 6].value])
            | dict(affiliation="高校", organization_id=None, street_id=None, active=True)
            | dict(created_at=at)
            for n, u in enumerate(world.reviewers)
        ],
    )


def _organizations(world: World, hashed: str) -> None:
    """Verified organisations spread over the streets and their communities, each with an
    owner who logs in (the first one's is ``MEMBER``), registered and verified in the audit."""
    load, count, at = world.load, world.sizes.organizations, world.now - timedelta(days=800)
    org_ids, user_ids = list(load.ids(Organization, count)), list(load.ids(User, count))
    orgs, events = [], []
    kinds = [k for k in OrganizationKind if k is not OrganizationKind.FILED_GROUP]
    for n, org_id in enumerate(org_ids):
        street = world.street_ids[n % len(world.street_ids)]
        world.orgs.setdefault(street, []).append(org_id)
        world.owners[org_id] = user_ids[n]
        communities = world.communities[street]
        row = dict(id=org_id, name=f"基准社区服务组织{n + 1:05d}", kind=kinds[n % len(kinds)])
        row |= dict(credit_code=credit_code(n), street_id=street)
        row |= dict(community_id=communities[n % len(communities)], address="社区服务中心")
        row |= dict(legal_representative="负责人", contact_name="联系人", description="")
        row |= dict(contact_mobile=f"138{n:08d}", verification_status=VerificationStatus.VERIFIED)
        orgs.append(row | dict(status_changed_at=at, created_at=at))
        events += _registered(world, row, user_ids[n], at)
    users = [
        _user(u, MEMBER if n == 0 else f"org{n + 1}@bench.local", f"申报人{n + 1}", hashed)
        | dict(created_at=at, email_confirmed_at=at)
        for n, u in enumerate(user_ids)
    ]
    load.add(User, users)
    load.add(Organization, orgs)
    load.add(
        Membership,
        [
            dict(organization_id=o, user_id=world.owners[o], is_owner=True, created_at=at)
            for o in org_ids
        ],
    )
    load.add(AuditEvent, events)


def _registered(world: World, row: dict, owner: int, at: datetime) -> list[dict]:
    """What registering and verifying the organisation audited."""
    registered = {"name": row["name"], "kind": row["kind"].value, "credit_code": row["credit_code"]}
    verified = ({"verification_status": "pending"}, {"verification_status": "verified"})
    org = row["id"]
    return [
        world.event("organization.registered", "organizations", org, owner, at, None, registered),
        world.event(
            "organization.verified", "organizations", org, world.district_id, at, *verified
        ),
    ]


def write_funds(world: World, calls_per_street: dict[int, int]) -> None:
    """A community fund per street, raising each year what its calls draw, and its events."""
    load, first_year = world.load, world.today.year - 2
    world.funds = dict(zip(world.street_ids, load.ids(Fund, len(world.street_ids)), strict=True))
    at = utc_day(date(first_year, 1, 5))
    funds, contributions, events = [], [], []
    for n, (street, fund_id) in enumerate(world.funds.items()):
        admin = world.admins[street]
        funds.append(
            dict(id=fund_id, name=f"基准街道{n + 1}社区基金", kind=FundKind.COMMUNITY_FUND)
        )
        funds[-1] |= dict(street_id=street, description="", created_by_id=admin, created_at=at)
        events.append(
            world.event(
                "fund.created", "funds", fund_id, admin, at, None, {"name": funds[-1]["name"]}
            )
        )
        yearly = CALL_BUDGET * (calls_per_street.get(street, 0) + 1) // 3 + 1
        for year in range(first_year, first_year + 3):
            received = date(year, 1, 10)
            contributions.append(
                dict(fund_id=fund_id, donor=f"{year}年度社区慈善募捐", amount=yearly)
            )
            contributions[-1] |= dict(received_on=received, note="", recorded_by_id=admin)
            contributions[-1] |= dict(recorded_at=utc_day(received))
            after = {
                "donor": contributions[-1]["donor"],
                "amount": yearly,
                "received_on": received.isoformat(),
            }
            events.append(
                world.event(
                    "fund.contribution_recorded",
                    "funds",
                    fund_id,
                    admin,
                    utc_day(received),
                    None,
                    after,
                )
            )
    load.add(Fund, funds)
    load.add(Contribution, contributions)
    load.add(AuditEvent, events)


@dataclass
class CallPlan:
    """One call: its phase, street, size, dates and, once written, its ids."""

    role: str  # "ranking", "notice", "open" or "finalized"
    street_id: int
    size: int
    reviews: int
    opens: date
    closes: date
    starts: date
    projects: int = 0
    id: int = 0
    criteria: list[int] = field(default_factory=list)
    code: str = ""


def _plan(role, street, size, reviews, closes: date, starts: date, projects=0) -> CallPlan:
    return CallPlan(
        role, street, size, reviews, closes - timedelta(days=30), closes, starts, projects
    )


def plan_calls(world: World) -> list[CallPlan]:
    """The ranking call (500 applications, closed, every review in), a call in its public
    notice, the open calls (the newest closing in 3 days) and the finalized ones, newest first,
    over the last two years (the newest's projects have their mid-term reports due in 7 days); applications and projects shared out between them."""
    sizes, today, streets = world.sizes, world.today, world.street_ids
    finalized = sizes.calls - 2 - sizes.open_calls
    if finalized < 1:
        raise ValueError("too few calls for the phases")
    big = sizes.applications >= 4 * CALL_SIZE
    ranking = CALL_SIZE if big else sizes.applications // sizes.calls
    rest = (sizes.applications - ranking) // (sizes.calls - 1)
    day = lambda n: today + timedelta(days=n)  # noqa: E731
    plans = [
        _plan("ranking", streets[0], ranking, 3, day(-5), day(60)),
        _plan("notice", streets[0], rest, 3, day(-25), day(30)),
    ]
    plans += [
        _plan("open", streets[(n + 1) % len(streets)], rest, 3, day(3 + 7 * n), day(63 + 7 * n))
        for n in range(sizes.open_calls)
    ]
    per_call = min(rest * 4 // 5, -(-sizes.projects // finalized))
    for j in range(finalized):
        starts = day(-143 - j * 560 // finalized)  # the newest's mid-term reports due in 7 days
        street = streets[0] if j == 0 else streets[j % len(streets)]
        count = min(per_call, max(0, sizes.projects - j * per_call))
        reviews = 4 if j % 2 else 3
        plans.append(
            _plan("finalized", street, rest, reviews, starts - timedelta(days=40), starts, count)
        )
    return plans


STATUS = {
    "ranking": CallStatus.REVIEWING,
    "notice": CallStatus.NOTICE,
    "open": CallStatus.PUBLISHED,
    "finalized": CallStatus.FINALIZED,
}


def write_calls(world: World, plans: list[CallPlan]) -> None:
    load = world.load
    calls, criteria, items, events = [], [], [], []
    for n, (plan, call_id) in enumerate(zip(plans, load.ids(Call, len(plans)), strict=True)):
        plan.id, plan.code = call_id, f"BENCH-{plan.starts.year}-{n + 1:03d}"
        admin = world.admins[plan.street_id]
        calls.append(_call_row(world, plan, admin))
        plan.criteria = list(load.ids(RubricCriterion, len(RUBRIC)))
        criteria += [
            dict(id=c, call_id=call_id, position=p, name=name, description=text, max_points=points)
            for p, (c, (name, text, points)) in enumerate(zip(plan.criteria, RUBRIC, strict=True))
        ]
        items += [
            dict(call_id=call_id, position=p, percent=percent, trigger=trigger)
            for p, (percent, trigger) in enumerate(zip((50, 30, 20), TrancheTrigger, strict=True))
        ]
        created = calls[-1]["created_at"]
        after = {"code": plan.code, "budget": CALL_BUDGET, "title": calls[-1]["title"]}
        events.append(world.event("call.created", "calls", call_id, admin, created, None, after))
        events.append(
            world.event("call.published", "calls", call_id, admin, calls[-1]["published_at"])
        )
    load.add(Call, calls)
    load.add(RubricCriterion, criteria)
    load.add(PlanItem, items)
    load.add(AuditEvent, events)


def _call_row(world: World, plan: CallPlan, admin: int) -> dict:
    opens = local_datetime(plan.opens, time(9))
    row = dict(id=plan.id, fund_id=world.funds[plan.street_id], street_id=plan.street_id)
    row |= dict(code=plan.code, title=f"{plan.starts.year}年社区微创投（{plan.code}）")
    row |= dict(year=plan.starts.year, description="征集社区微创投项目。", status=STATUS[plan.role])
    row |= dict(budget=CALL_BUDGET, domains=[d.value for d in Domain], min_rating=None)
    row |= dict(eligible_kinds=[k.value for k in OrganizationKind], max_applications_per_org=6)
    row |= dict(grant_min=10_000_00, grant_max=50_000_00, max_grant_share=60)
    row |= dict(
        category_caps={BudgetCategory.PERSONNEL.value: 30, BudgetCategory.ADMINISTRATION.value: 10}
    )
    row |= dict(required_attachments=[], reviewers_per_application=plan.reviews)
    row |= dict(aggregation=Aggregation.TRIMMED_MEAN, blind_review=True)
    row |= dict(reviewers_see_others_after_submit=True, disagreement_threshold=20)
    row |= dict(reviewer_names_in_notice=False, notice_working_days=5)
    row |= dict(project_starts_on=plan.starts, project_ends_on=plan.starts + timedelta(days=300))
    row |= dict(midterm_report_due_on=plan.starts + timedelta(days=150))
    row |= dict(final_report_due_on=plan.starts + timedelta(days=320), overspend_tolerance=10)
    row |= dict(opens_at=opens, closes_at=local_datetime(plan.closes, time(17)))
    row |= dict(reference_counter=plan.size, copied_from_id=None, created_by_id=admin)
    row |= dict(created_at=opens - timedelta(days=10), published_at=opens - timedelta(days=7))
    return row | dict(funding_line_rule=LineRule.STOP, attendance_keeps_names=False)


Progress = Callable[[str], None]
