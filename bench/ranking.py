"""Benchmark of the ranking page (DESIGN.md, Performance budget): p95 ≤ 150 ms, ≤ 15 queries.

Builds a throwaway database by running the migrations, fills one call with eligible applications
that each have submitted reviews, logs a street admin in with Flask's test client and times
GET /admin/calls/<id>/ranking (rendering included). Run by hand, see bench/README.md:

    .venv/bin/python bench/ranking.py [--applications 500 --reviews 3 --runs 30]
"""

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import event, insert, make_url, text, update  # noqa: E402

from microventure import create_app  # noqa: E402
from microventure.accounts import passwords  # noqa: E402
from microventure.accounts import services as accounts  # noqa: E402
from microventure.accounts.models import (  # noqa: E402
    Community,
    CommunityKind,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    Street,
    StreetKind,
    VerificationStatus,
)
from microventure.applications import services as applications  # noqa: E402
from microventure.applications.models import (  # noqa: E402
    Application,
    ApplicationStatus,
    BudgetLine,
)
from microventure.calls import services as calls  # noqa: E402
from microventure.calls.models import Call, Domain  # noqa: E402
from microventure.core.timeutil import utcnow  # noqa: E402
from microventure.extensions import db  # noqa: E402
from microventure.ops.bench_rounds import budget_lines  # noqa: E402
from microventure.ops.bench_seed import credit_code as _credit_code  # noqa: E402
from microventure.reviews import services as reviews  # noqa: E402
from microventure.reviews.models import (  # noqa: E402
    Assignment,
    AssignmentStatus,
    Recommendation,
    Review,
    Score,
)
from microventure.reviews.pool import services as reviewer_pool  # noqa: E402
from tests.helpers_calls import call_settings, complete_content, make_fund  # noqa: E402

PASSWORD = "bench-password-1"
BY_SERVICES = 3  # applications taken through every service (start, submit, screen, review)
CHUNK = 2_000  # rows per bulk INSERT


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=500)
    parser.add_argument("--reviews", type=int, default=3, help="submitted reviews per application")
    parser.add_argument("--reviewers", type=int, default=30, help="size of the reviewer pool")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--verbose", action="store_true", help="every time and every query")
    parser.add_argument(
        "--profile", action="store_true", help="afterwards, cProfile 10 requests and print the top"
    )
    args = parser.parse_args()
    if not 1 <= args.reviews <= args.reviewers:
        parser.error("--reviews must be between 1 and --reviewers")
    if args.applications < BY_SERVICES:
        parser.error(f"--applications must be at least {BY_SERVICES}")
    return args


def build_schema(app) -> None:
    """Empty the database, then run every migration (as tests/conftest.py does)."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()


# ---------------------------------------------------------------------------------- the data


def seed(args: argparse.Namespace, rng: random.Random) -> tuple[int, str]:
    """A street, its admin, a fund and call, the pool, and the applications with reviews.
    Returns the call's id and the admin's e-mail."""
    street = Street(name="南村镇", name_en="Nancun", kind=StreetKind.TOWN)
    db.session.add(street)
    db.session.add(Community(street=street, name="南村社区", kind=CommunityKind.COMMUNITY))
    db.session.flush()
    admin = accounts.create_user(email="admin@bench.local", name="街道管理员", password=PASSWORD)
    accounts.grant_role(user=admin, role=Role.STREET_ADMIN, street=street, actor=admin)
    fund = make_fund(actor=admin, street=street, raised=50_000_000_00)
    call = calls.create_call(
        settings=call_settings(
            fund,
            code="BENCH-2026",
            title="2026年南村镇社区微创投（基准）",
            budget=20_000_000_00,
            required_attachments=[],
            max_applications_per_org=5,
            reviewers_per_application=args.reviews,
        ),
        actor=admin,
    )
    calls.publish_call(call=call, actor=admin)
    pool = [
        reviewer_pool.add_reviewer(
            email=f"reviewer{n}@bench.local",
            name=f"评审专家{n:02d}",
            expertise=[rng.choice(list(Domain))],
            affiliation="高校",
            organization=None,
            street=None,
            mobile=None,
            password=PASSWORD,
            actor=admin,
        ).user
        for n in range(1, args.reviewers + 1)
    ]
    bias = {r.id: rng.gauss(0, 0.06) for r in pool}  # lenient and strict reviewers
    by_services = [_apply_through_services(call, street, admin, n) for n in range(BY_SERVICES)]
    bulk_ids = _bulk_applications(call, street, admin, args.applications - BY_SERVICES, rng)
    panels = [
        [pool[(i * args.reviews + j) % len(pool)] for j in range(args.reviews)]
        for i in range(args.applications)
    ]
    for application, panel in zip(by_services, panels, strict=False):
        for reviewer in panel:
            assignment = reviews.assign(
                application=application, reviewer=reviewer, due_on=_due(), actor=admin
            )
            reviews.sign_declaration(assignment=assignment, actor=reviewer)
            half = _scores(call, rng.uniform(0.45, 0.95) + bias[reviewer.id], rng)
            reviews.save_review(
                assignment=assignment,
                points={cid: str(h / 2) for cid, h in half.items()},
                comment="项目设计合理，建议资助。",
                recommendation=Recommendation.FUND,
                suggested_amount=None,
                submit=True,
                actor=reviewer,
            )
    _bulk_reviews(call, admin, bulk_ids, panels[BY_SERVICES:], bias, rng)
    db.session.commit()
    return call.id, admin.email


def _apply_through_services(call: Call, street: Street, admin, n: int) -> Application:
    owner = accounts.create_user(email=f"owner{n}@bench.local", name="申报人", password=PASSWORD)
    org = Organization(
        name=f"南村社工服务中心{n}",
        kind=OrganizationKind.SOCIAL_WORK_AGENCY,
        street=street,
        credit_code=_credit_code(n),
        contact_name="联系人",
        contact_mobile="13800138000",
        verification_status=VerificationStatus.VERIFIED,
    )
    db.session.add(org)
    db.session.add(Membership(organization=org, user=owner, is_owner=True))
    db.session.flush()
    application = applications.start_application(call=call, organization=org, actor=owner)
    applications.save_draft(
        application=application,
        content=complete_content(call, title=f"长者智能手机课堂（{n + 1}）"),
        actor=owner,
    )
    applications.submit(application=application, actor=owner)
    applications.screen(
        application=application, decision=ApplicationStatus.ELIGIBLE, reason="", actor=admin
    )
    return application


def _bulk_applications(call: Call, street: Street, admin, count: int, rng) -> list[int]:
    """Submitted, screened applications with their budgets, by bulk INSERT … RETURNING."""
    community_id = street.communities[0].id
    orgs = _insert(
        Organization,
        [
            dict(
                name=f"社区社会组织{n:04d}",
                kind=OrganizationKind.SOCIAL_SERVICE,
                street_id=street.id,
                community_id=community_id,
                credit_code=_credit_code(100 + n),
                contact_name="联系人",
                contact_mobile="13800138000",
                verification_status=VerificationStatus.VERIFIED,
            )
            for n in range(count)
        ],
    )
    now = utcnow()
    first = call.reference_counter + 1
    domains = [Domain(d) for d in call.domains]
    ids = _insert(
        Application,
        [
            dict(
                call_id=call.id,
                organization_id=org_id,
                created_by_id=admin.id,
                status=ApplicationStatus.IN_REVIEW,
                reference=f"{call.code}-{first + n:03d}",
                title=f"{rng.choice(['长者', '儿童', '青少年', '新市民', '残障人士'])}"
                f"{rng.choice(['关爱', '成长', '融入', '互助', '赋能'])}计划（第{n + 1}期）",
                domain=rng.choice(domains),
                community_ids=[community_id],
                beneficiary_groups="社区居民",
                direct_beneficiaries=rng.randrange(50, 500),
                indirect_beneficiaries=rng.randrange(200, 2000),
                summary="项目简介",
                need_analysis="需求分析",
                objectives="项目目标",
                risks="风险应对",
                sustainability="可持续性",
                submitted_at=now - timedelta(days=rng.randrange(1, 20)),
            )
            for n, org_id in enumerate(orgs)
        ],
    )
    db.session.execute(
        update(Call).where(Call.id == call.id).values(reference_counter=first + count - 1)
    )
    lines = []
    for application_id in ids:
        grant = rng.randrange(100, 500) * 100_00  # ¥10,000–49,900
        lines += budget_lines(application_id, grant)
    _insert(BudgetLine, lines, returning=False)
    applications.keep_requested_grant(ids)
    return ids


def _bulk_reviews(call: Call, admin, application_ids, panels, bias, rng) -> None:
    """Declared, submitted assignments with a review and a score for every criterion. About one
    application in eight gets a reviewer far off the others, so some rows disagree."""
    now = utcnow()
    assignments = []
    for application_id, panel in zip(application_ids, panels, strict=True):
        for reviewer in panel:
            assignments.append(
                dict(
                    call_id=call.id,
                    application_id=application_id,
                    reviewer_id=reviewer.id,
                    status=AssignmentStatus.SUBMITTED,
                    due_on=_due(),
                    assigned_by_id=admin.id,
                    assigned_at=now - timedelta(days=10),
                    declared_at=now - timedelta(days=9),
                )
            )
    assignment_ids = _insert(Assignment, assignments)
    quality = {a: rng.uniform(0.45, 0.95) for a in application_ids}
    outlier = {a for a in application_ids if rng.random() < 0.125}
    review_rows, review_quality = [], []
    for assignment_id, row in zip(assignment_ids, assignments, strict=True):
        application_id = row["application_id"]
        level = quality[application_id] + bias[row["reviewer_id"]]
        if application_id in outlier:
            outlier.discard(application_id)
            level -= 0.35
        recommend = (
            Recommendation.FUND
            if level > 0.75
            else Recommendation.FUND_WITH_CHANGES
            if level > 0.6
            else Recommendation.DO_NOT_FUND
        )
        review_rows.append(
            dict(
                assignment_id=assignment_id,
                comment="评审意见",
                recommendation=recommend,
                suggested_amount=rng.randrange(80, 300) * 100_00 if rng.random() < 0.3 else None,
                submitted_at=now - timedelta(days=rng.randrange(1, 8)),
            )
        )
        review_quality.append(level)
    review_ids = _insert(Review, review_rows)
    scores = [
        dict(review_id=review_id, criterion_id=cid, half_points=h)
        for review_id, level in zip(review_ids, review_quality, strict=True)
        for cid, h in _scores(call, level, rng).items()
    ]
    _insert(Score, scores, returning=False)


def _scores(call: Call, level: float, rng) -> dict[int, int]:
    """Half points per criterion around ``level`` (a share of each criterion's maximum)."""
    result = {}
    for criterion in call.criteria:
        share = min(1.0, max(0.0, level + rng.gauss(0, 0.05)))
        result[criterion.id] = round(criterion.max_points * 2 * share)
    return result


def _insert(model, rows: list[dict], *, returning: bool = True) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if returning:
            ids += db.session.scalars(
                insert(model).returning(model.id, sort_by_parameter_order=True), chunk
            ).all()
        else:
            db.session.execute(insert(model), chunk)
    return ids


def _due():
    return (utcnow() + timedelta(days=14)).date()


# ------------------------------------------------------------------------------- the timing


def measure(app, call_id: int, email: str, args: argparse.Namespace) -> None:
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    url = f"/admin/calls/{call_id}/ranking"

    def get() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.data

    for _ in range(args.warmup):
        body = get()
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, *rest) -> None:
        statements.append(statement)

    event.listen(engine, "after_cursor_execute", count)
    get()
    event.remove(engine, "after_cursor_execute", count)

    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    if args.verbose:
        print("times (ms):", " ".join(f"{t:.0f}" for t in times))
        print("queries:", *(" ".join(s.split())[:120] for s in statements), sep="\n  ")
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    rows = body.count(b"<tr data-reference=")
    print(
        f"\nGET {url} — {rows} rows, {len(body) / 1024:.0f} KiB, "
        f"{engine.dialect.name}, {args.runs} runs"
    )
    print(
        f"min {times[0]:.1f} ms · median {statistics.median(times):.1f} ms · "
        f"p95 {p95:.1f} ms · max {times[-1]:.1f} ms · queries {len(statements)}"
    )
    verdict = "within" if p95 <= 150 and len(statements) <= 15 else "OVER"
    print(f"budget: p95 ≤ 150 ms and ≤ 15 queries → {verdict} budget")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            get()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    # cheap hashing for the seeded accounts; the measured page never hashes
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        if "bench" not in make_url(url).database.rsplit("/", 1)[-1]:
            sys.exit("BENCH_DATABASE_URL is emptied first: name its database *bench*.")
        app = create_app(
            "development",
            SQLALCHEMY_DATABASE_URI=url,
            WTF_CSRF_ENABLED=False,
            RATELIMIT_ENABLED=False,
        )
        build_schema(app)
        started = time.perf_counter()
        with app.app_context():
            call_id, email = seed(args, rng)
            if db.engine.dialect.name == "postgresql":
                # what autovacuum does shortly after a bulk load in production; without it the
                # planner still thinks the tables are empty and picks nested loops
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text("ANALYZE"))
        print(
            f"seeded {args.applications} applications × {args.reviews} reviews "
            f"({args.reviewers} reviewers) in {time.perf_counter() - started:.1f} s"
        )
        measure(app, call_id, email, args)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
