"""The admin's notice page after publishing: objections resolved (an upheld one frees its money
for another application), and finalizing the call into projects."""

import pytest
from sqlalchemy import select

from microventure.applications.models import ApplicationStatus
from microventure.calls.models import CallStatus
from microventure.core.errors import DomainError
from microventure.decisions import notice as notice_services
from microventure.decisions import services
from microventure.decisions.models import ObjectionStatus
from microventure.extensions import db
from microventure.funds.queries import call_balance
from microventure.notifications.models import Notification
from microventure.projects.models import Project, TrancheStatus
from tests.test_decisions_funding_line import hand_example
from tests.test_decisions_world import YUAN, Rows, publish

K = 1_000 * YUAN
S = ApplicationStatus


def published_example(make, *, days_ago=0):
    """The hand example decided by its funding line (¥40,000 and ¥35,000 recommended, the ¥30,000
    and ¥10,000 ones not) and its notice published ``days_ago`` days ago."""
    world = hand_example(make)
    a30, a40, a10, a35 = world["applications"]
    admin = world["admin"]
    services.recommend(application=a40, amount=40 * K, actor=admin)
    services.recommend(application=a35, amount=35 * K, actor=admin)
    services.not_recommend(application=a30, reason="排名在资助线以下", actor=admin)
    services.not_recommend(application=a10, reason="排名在资助线以下", actor=admin)
    publish(world, decide=False, days_ago=days_ago)
    return world


def object_to(world, application=None, **values):
    return notice_services.lodge_objection(
        notice=world["notice"],
        application_id=application.id if application else None,
        name=values.get("name", "张居民"),
        contact=values.get("contact", "13912345678"),
        text=values.get("text", "该项目与去年重复"),
        remote_addr=None,
        now=world["notice"].published_at,
    )


def notice_html(client, world) -> str:
    response = client.get(f"/admin/calls/{world['call'].id}/notice")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def resolve(client, world, objection, **form):
    url = f"/admin/calls/{world['call'].id}/objections/{objection.id}/resolve"
    return client.post(url, data=form)


def kinds_for(user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.recipient_id == user.id))
    )


def test_objections_are_listed_for_the_admin(client, make, login_as):
    world = published_example(make)
    a40 = world["applications"][1]
    object_to(world, a40, name="张居民", contact="zhang@example.com", text="预算虚高")
    object_to(world, None, name="李居民", text="评审不公开")
    login_as(world["admin"])
    html = notice_html(client, world)
    assert 'data-testid="open-objections">2<' in html
    first = html.split('data-objection="', 1)[1].split("</article>", 1)[0]
    for text in ("张居民", "zhang@example.com", "预算虚高", a40.reference, "项目2", "Received"):
        assert text in first
    assert "General objection" in html.split('data-objection="', 2)[2]
    assert "From " in html and "(5 working days)" in html


def test_an_upheld_objection_frees_the_money_for_another_application(client, make, login_as):
    world = published_example(make)
    a30, a40, a10, a35 = world["applications"]
    call = world["call"]
    objection = object_to(world, a40)
    assert call_balance(call).granted == 75 * K
    login_as(world["admin"])
    response = resolve(client, world, objection, upheld="1", resolution="经核实，预算虚报")
    assert response.status_code == 302
    db.session.expire_all()
    assert objection.status is ObjectionStatus.UPHELD
    assert a40.status is S.REJECTED
    assert call_balance(call).granted == 35 * K  # the ¥40,000 is back in the budget
    assert "decision.revoked" in kinds_for(a40.owner)
    # the freed room takes the next application, before the call is finalized
    response = client.post(
        f"/admin/calls/{call.id}/decisions/{a30.id}",
        data={"action": "recommend", "amount": "30000"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert a30.status is S.RECOMMENDED
    assert call_balance(call).granted == 65 * K
    assert "decision.recommended" in kinds_for(a30.owner)
    # but never more than the budget: ¥35,000 is left, the ¥10,000 one fits, nothing else would
    assert call_balance(call).budget - call_balance(call).granted == 35 * K
    public = client.get(f"/notices/{call.id}").get_data(as_text=True)
    table = Rows(public, "projects")
    assert table.order == sorted([a30.reference, a40.reference, a35.reference])
    assert 'data-withdrawn="1"' in public.split(f'data-reference="{a40.reference}"', 1)[1][:30]
    assert a10.reference not in table.order


def test_a_dismissed_objection_changes_nothing(client, make, login_as):
    world = published_example(make)
    a40 = world["applications"][1]
    objection = object_to(world, a40)
    login_as(world["admin"])
    response = resolve(client, world, objection, upheld="0", resolution="经核实，情况不属实")
    assert response.status_code == 302
    db.session.expire_all()
    assert objection.status is ObjectionStatus.DISMISSED
    assert a40.status is S.RECOMMENDED
    assert call_balance(world["call"]).granted == 75 * K
    html = notice_html(client, world)
    assert "经核实，情况不属实" in html and 'data-status="dismissed"' in html
    # resolved once only
    again = resolve(client, world, objection, upheld="1", resolution="改判")
    assert "already been resolved" in again.get_data(as_text=True)


def test_a_refused_resolution_keeps_what_was_typed(client, make, login_as):
    world = published_example(make)
    objection = object_to(world, world["applications"][1])
    login_as(world["admin"])
    response = resolve(client, world, objection, upheld="1", resolution=" ")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Explain how the objection was resolved." in html
    assert f'id="uphold-{objection.id}" checked' in html
    response = resolve(client, world, objection, resolution="写了说明但没选")
    html = response.get_data(as_text=True)
    assert "Choose whether to dismiss or uphold it." in html
    assert "写了说明但没选</textarea>" in html
    db.session.expire_all()
    assert objection.status is ObjectionStatus.OPEN


def test_an_objection_of_another_call_is_not_found(client, make, login_as):
    world = published_example(make)
    other = hand_example(make, code="OTHER-2026")
    objection = object_to(world)
    login_as(other["admin"])
    url = f"/admin/calls/{other['call'].id}/objections/{objection.id}/resolve"
    assert client.post(url, data={"upheld": "0", "resolution": "x"}).status_code == 404


def finalize(client, world):
    response = client.post(f"/admin/calls/{world['call'].id}/finalize")
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_finalizing_is_refused_while_the_notice_is_open(client, make, login_as):
    world = published_example(make)
    login_as(world["admin"])
    html = finalize(client, world)
    assert f"The notice runs until the end of {world['notice'].ends_on.isoformat()}." in html
    assert world["call"].status is CallStatus.NOTICE
    assert db.session.scalar(select(Project.id).where(Project.call_id == world["call"].id)) is None


def test_finalizing_is_refused_while_an_objection_is_open(client, make, login_as):
    world = published_example(make, days_ago=30)
    object_to(world, world["applications"][1])
    login_as(world["admin"])
    html = finalize(client, world)
    assert "Resolve the 1 open objections first." in html
    assert world["call"].status is CallStatus.NOTICE


def test_finalizing_creates_the_projects(client, make, login_as):
    world = published_example(make, days_ago=30)
    a30, a40, a10, a35 = world["applications"]
    objection = object_to(world, a35)
    notice_services.resolve_objection(
        objection=objection, upheld=False, resolution="不属实", actor=world["admin"]
    )
    login_as(world["admin"])
    html = finalize(client, world)
    assert "The call is finalized: 2 projects were created." in html
    assert "2 projects were created when the call was finalized." in html
    assert f'href="/admin/projects?call={world["call"].id}"' in html
    db.session.expire_all()
    assert world["call"].status is CallStatus.FINALIZED
    assert (a40.status, a35.status, a30.status, a10.status) == (
        S.APPROVED,
        S.APPROVED,
        S.REJECTED,
        S.REJECTED,
    )
    projects = db.session.scalars(
        select(Project).where(Project.call_id == world["call"].id).order_by(Project.amount)
    ).all()
    assert [(p.application_id, p.amount) for p in projects] == [(a35.id, 35 * K), (a40.id, 40 * K)]
    for project in projects:
        assert sum(t.amount for t in project.tranches) == project.amount
        assert [t.percent for t in project.tranches] == [50, 30, 20]
        assert all(t.status is TrancheStatus.PENDING for t in project.tranches)
    assert "decision.approved" in kinds_for(a40.owner)
    assert "decision.rejected" in kinds_for(a30.owner)
    # nothing more to finalize or resolve
    assert f'action="/admin/calls/{world["call"].id}/finalize"' not in html
    again = finalize(client, world)
    assert "Only a call whose notice has been published can be finalized." in again


def test_notice_page_query_count_is_fixed(client, make, login_as, count_queries):
    small = published_example(make)  # grows from one objection to seven
    object_to(small, small["applications"][1])
    login_as(small["admin"])
    notice_html(client, small)
    with count_queries() as few:
        notice_html(client, small)
    for n in range(6):
        object_to(small, small["applications"][3], name=f"居民{n}")
    with count_queries() as many:
        html = notice_html(client, small)
    assert html.count('data-objection="') == 7
    assert few.count == many.count, many.statements
    assert many.count <= 10


def test_no_substitute_once_the_notice_has_ended(make):
    """A substitute must be seen (and open to objection) by the public before it is final."""
    world = published_example(make, days_ago=30)
    a30, a40, _a10, _a35 = world["applications"]
    objection = object_to(world, a40)
    notice_services.resolve_objection(
        objection=objection, upheld=True, resolution="经核实，预算虚报", actor=world["admin"]
    )
    with pytest.raises(DomainError, match="公示已结束"):
        services.recommend(application=a30, amount=30 * K, actor=world["admin"])
    assert a30.status is S.NOT_RECOMMENDED
