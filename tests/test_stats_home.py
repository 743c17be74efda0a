"""Home pages that show the work: each role's counts of what waits on it, with links, and the
headline figures; the public home with open calls, current notices and the results."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from microventure.accounts.models import Membership, Role, VerificationStatus
from microventure.applications.models import Application, ApplicationStatus
from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db
from microventure.reviews.models import Assignment, AssignmentStatus
from tests.helpers_stats import seed_round
from tests.test_stats_dashboard import headline
from tests.test_stats_results import open_call_and_notice


def work(html: str) -> dict[str, tuple[str, str]]:
    """label → (count, link) of the 'waiting for you' lists."""
    found = re.findall(
        r'<a class="list-group-item[^"]*"\s+href="([^"]+)" data-work="[^"]+">\s*<span>([^<]+)</span>'
        r'\s*<span class="badge[^"]*" data-count>(\d+)</span>',
        html,
    )
    return {label: (count, href) for href, label, count in found}


def add_applications(world, street, statuses):
    call = world.calls[street]
    org_id = db.session.scalar(
        select(Application.organization_id).where(Application.call_id == call.id)
    )
    return db.session.scalars(
        insert(Application).returning(Application.id),
        [
            dict(
                call_id=call.id,
                organization_id=org_id,
                created_by_id=world.district_admin.id,
                status=status,
                title="新申报",
                reference=None if status is ApplicationStatus.DRAFT else f"{call.code}-X{n}",
            )
            for n, status in enumerate(statuses)
        ],
    ).all()


@pytest.fixture
def world(make):
    return seed_round(make)


def test_a_street_admin_sees_what_waits_on_them(client, login_as, world):
    add_applications(
        world, "南村镇", [ApplicationStatus.SUBMITTED] * 2 + [ApplicationStatus.ELIGIBLE]
    )
    add_applications(world, "桥南街", [ApplicationStatus.SUBMITTED])  # another street's
    login_as(world.street_admins["南村镇"])
    html = client.get("/").get_data(as_text=True)
    items = work(html)
    assert items["待资格审查的申报"] == ("2", "/admin/calls")
    assert items["评审专家未配齐的申报"][0] == "1"
    assert items["公示中"][0] == "0"
    assert "待审核的机构" not in html and "Organisations awaiting verification" not in html
    assert headline(html, "received") == "43" and headline(html, "activities") == "70"
    assert headline(html, "raised") == "¥500,000.00"


def test_the_district_admin_sees_every_street_and_the_organisations(client, login_as, make, world):
    add_applications(world, "桥南街", [ApplicationStatus.SUBMITTED])
    make.organization(street=world.streets["市桥街"], status=VerificationStatus.PENDING)
    login_as(world.district_admin)
    html = client.get("/?lang=en").get_data(as_text=True)
    items = work(html)
    assert items["Applications to screen"][0] == "1"
    assert items["Organisations awaiting verification"] == (
        "1",
        "/admin/organizations?status=pending",
    )
    assert items["Undelivered e-mails"][0] == "0"
    assert headline(html, "received") == "113" and headline(html, "raised") == "¥1,150,000.00"


def test_an_applicant_sees_drafts_returned_items_and_open_calls(client, login_as, make, world):
    user = make.user()
    org_id = db.session.scalar(
        select(Application.organization_id).where(Application.call_id == world.calls["南村镇"].id)
    )
    db.session.add(Membership(organization_id=org_id, user_id=user.id, is_owner=True))
    add_applications(world, "南村镇", [ApplicationStatus.DRAFT, ApplicationStatus.RETURNED])
    open_call_and_notice(world)
    login_as(user)
    items = work(client.get("/").get_data(as_text=True))
    assert items["尚未提交的草稿"] == ("1", "/applications")
    assert items["退回修改的申报"][0] == "1"
    assert items["正在征集的项目"] == ("1", "/calls")


def test_a_reviewer_sees_reviews_to_do_and_overdue(client, login_as, make, world):
    reviewer = make.user(role=Role.REVIEWER)
    app_ids = db.session.scalars(
        select(Application.id).where(Application.call_id == world.calls["市桥街"].id).limit(3)
    ).all()
    today = local_today()
    db.session.execute(
        insert(Assignment),
        [
            dict(
                call_id=world.calls["市桥街"].id,
                application_id=a,
                reviewer_id=reviewer.id,
                status=s,
                due_on=d,
                assigned_by_id=world.district_admin.id,
                declared_at=None if s is AssignmentStatus.ASSIGNED else utcnow(),
            )
            for a, s, d in zip(
                app_ids,
                [AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED],
                [today - timedelta(days=1), today + timedelta(days=1), today],
                strict=True,
            )
        ],
    )
    login_as(reviewer)
    items = work(client.get("/").get_data(as_text=True))
    assert items["待完成的评审"] == ("2", "/reviews")
    assert items["两天内到期的评审"][0] == "1" and items["逾期未完成的评审"][0] == "1"


def test_the_public_home_shows_open_calls_notices_and_results(client, world):
    call = open_call_and_notice(world)
    html = client.get("/").get_data(as_text=True)
    assert headline(html, "received") == "112" and headline(html, "approved") == "71"
    assert headline(html, "activities") == "196" and headline(html, "raised") == "¥1,150,000.00"
    assert call.title in re.search(r'data-testid="open-calls">(.*?)</section>', html, re.S).group(1)
    notices = re.search(r'data-testid="current-notices">(.*?)</section>', html, re.S).group(1)
    assert world.calls["桥南街"].title in notices
    assert 'href="/results"' in html


# district: user, roles, memberships, inbox, the work (one), projects waiting (one), headline
# (three); public: the headline (three), open calls, current notices
HOME_QUERIES = {"district": 10, "public": 5}  # district: 9 + the calendar years entered


@pytest.mark.parametrize("scale", [1, 10])
@pytest.mark.parametrize("who", ["district", "public"])
def test_the_home_pages_query_count_is_fixed(client, login_as, make, count_queries, who, scale):
    world = seed_round(make, scale=scale)
    if who == "district":
        login_as(world.district_admin)
    with count_queries() as q:
        html = client.get("/").get_data(as_text=True)
    assert headline(html, "received") == f"{112 * scale:,}"
    assert q.count == HOME_QUERIES[who], q.statements
