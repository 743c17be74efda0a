"""The public notices (no login): the list, a notice's page, and objections (异议) lodged
through it: stored, admins told, refused after the window, rate limited."""

from sqlalchemy import select

from microventure.accounts.models import Role
from microventure.decisions import notice as notice_services
from microventure.decisions.models import Objection, ObjectionStatus
from microventure.extensions import db
from microventure.notifications.models import Notification
from tests.test_decisions_world import YUAN, Rows, decision_world, publish

K = 1_000 * YUAN


def english(client) -> None:
    """Logged-out visitors get Chinese; the tests read the English texts."""
    client.get("/notices?lang=en")


def notice_world(make, *, code="PN-2026", projects=2, days_ago=0, **kwargs):
    """A call whose first ``projects`` applications are recommended at ¥10,000, ¥11,000, …;
    the last one is not."""
    world = decision_world(
        make,
        requests=[30 * K] * (projects + 1),
        scores=[90 - i for i in range(projects + 1)],
        code=code,
        budget=300 * K,
        **kwargs,
    )
    publish(world, days_ago=days_ago, amounts=[(10 + i) * K for i in range(projects)])
    return world


def show(client, world):
    response = client.get(f"/notices/{world['call'].id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def objections_of(world) -> list[Objection]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Objection)
            .where(Objection.notice_id == world["notice"].id)
            .order_by(Objection.id)
        )
    )


def test_list_of_notices_newest_first(client, make):
    older = notice_world(make, code="OLD-2026", days_ago=30)
    newer = notice_world(make, code="NEW-2026")
    undecided = decision_world(make, requests=[20 * K], scores=[80], code="NONE-2026")
    english(client)
    html = client.get("/notices").get_data(as_text=True)
    assert html.index(newer["call"].title) < html.index(f'data-call="{older["call"].id}"')
    assert f'data-call="{undecided["call"].id}"' not in html
    newer_item = html.split(f'data-call="{newer["call"].id}"', 1)[1].split("</li>", 1)[0]
    assert 'data-state="open"' in newer_item
    n = newer["notice"]
    assert f"From {n.starts_on.isoformat()} to {n.ends_on.isoformat()} (5 working days)" in (
        newer_item
    )
    older_item = html.split(f'data-call="{older["call"].id}"', 1)[1].split("</li>", 1)[0]
    assert 'data-state="closed"' in older_item


def test_notice_page_for_the_public(client, make):
    world = notice_world(make)
    first, second, turned_down = world["applications"]
    english(client)
    html = show(client, world)
    assert world["call"].title in html
    assert world["street"].name_en in html.split('data-testid="publisher">', 1)[1][:80]
    n = world["notice"]
    assert f"From {n.starts_on.isoformat()} to {n.ends_on.isoformat()} (5 working days)" in html
    assert 'data-state="open"' in html
    table = Rows(html, "projects")
    assert table.order == [first.reference, second.reference]
    assert turned_down.reference not in html
    row = html.split(f'data-reference="{first.reference}"', 1)[1].split("</tr>", 1)[0]
    for text in ("项目1", first.organization.name, world["street"].name_en, "¥10,000.00"):
        assert text in row
    assert "¥11,000.00" in html
    # the objection form, with the recommended projects to choose from
    assert f'action="/notices/{world["call"].id}/objections"' in html
    assert f'<option value="{first.id}">{first.reference} 项目1</option>' in html
    assert "General objection" in html
    assert 'data-testid="reviewers"' not in html  # the call does not show them


def test_reviewer_names_only_when_the_call_says_so(client, make):
    world = notice_world(make, reviewer_names_in_notice=True)
    reviewer = world["pool"][0]
    reviewer.name = "王评审"
    db.session.flush()
    html = show(client, world)
    assert "王评审" in html.split('data-testid="reviewers"', 1)[1]
    hidden = notice_world(make, code="HID-2026")
    hidden["pool"][0].name = "李评审"
    db.session.flush()
    assert "李评审" not in show(client, hidden)


def test_no_notice_no_page(client, make):
    world = decision_world(make, requests=[20 * K], scores=[80])
    assert client.get(f"/notices/{world['call'].id}").status_code == 404
    assert client.get("/notices/999999").status_code == 404
    assert client.post(f"/notices/{world['call'].id}/objections").status_code == 404


def test_lodging_an_objection(client, make):
    world = notice_world(make)
    first = world["applications"][0]
    english(client)
    response = client.post(
        f"/notices/{world['call'].id}/objections",
        data={
            "application_id": str(first.id),
            "name": "张居民",
            "contact": "13912345678",
            "text": "该机构去年的项目没有开展活动。",
        },
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you. Your objection was recorded" in page
    [objection] = objections_of(world)
    assert (objection.name, objection.contact, objection.application_id) == (
        "张居民",
        "13912345678",
        first.id,
    )
    assert objection.text == "该机构去年的项目没有开展活动。"
    assert objection.remote_addr == "203.0.113.7"
    assert objection.status is ObjectionStatus.OPEN
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "objection.received")
    ).all()
    assert [n.recipient_id for n in told] == [world["admin"].id]
    assert told[0].link == f"/admin/calls/{world['call'].id}/notice"
    # a general objection, about no project in particular
    response = client.post(
        f"/notices/{world['call'].id}/objections",
        data={"application_id": "", "name": "李", "contact": "li@example.com", "text": "程序不公"},
    )
    assert response.status_code == 302
    assert objections_of(world)[1].application_id is None


def test_a_refused_objection_keeps_what_was_typed(client, make):
    world = notice_world(make)
    turned_down = world["applications"][-1]
    english(client)
    url = f"/notices/{world['call'].id}/objections"
    response = client.post(url, data={"name": "张居民", "contact": "", "text": "我的意见很长"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Give a telephone number or e-mail address" in html
    assert 'value="张居民"' in html and "我的意见很长</textarea>" in html
    # a project that is not in the notice cannot be chosen
    response = client.post(
        url,
        data={"application_id": turned_down.id, "name": "张", "contact": "1", "text": "x"},
    )
    assert "Choose a project listed in this notice." in response.get_data(as_text=True)
    assert objections_of(world) == []


def test_after_the_window_objections_are_refused_and_nothing_is_lost(client, make):
    world = notice_world(make, days_ago=30)
    earlier = notice_services.lodge_objection(
        notice=world["notice"],
        application_id=None,
        name="早到的",
        contact="1",
        text="在公示期内提出",
        remote_addr=None,
        now=world["notice"].published_at,
    )
    english(client)
    html = show(client, world)
    assert 'data-state="closed"' in html
    assert 'action="/notices/' not in html  # no form any more
    response = client.post(
        f"/notices/{world['call'].id}/objections",
        data={"name": "晚到的", "contact": "13912345678", "text": "我来晚了，但有问题要反映"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    ended = world["notice"].ends_on.isoformat()
    assert f"The notice period ended on {ended}; objections are no longer accepted." in html
    assert "我来晚了，但有问题要反映</textarea>" in html  # handed back to keep
    assert [o.id for o in objections_of(world)] == [earlier.id]


def test_objections_are_rate_limited_per_address(client, make):
    world = notice_world(make)
    url = f"/notices/{world['call'].id}/objections"
    form = {"name": "刷屏者", "contact": "1", "text": "同样的话"}
    for _ in range(5):
        response = client.post(url, data=form, environ_base={"REMOTE_ADDR": "198.51.100.9"})
        assert response.status_code == 302
    response = client.post(url, data=form, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 429
    assert len(objections_of(world)) == 5
    # another address is not held back, and the page itself is still served
    other = client.post(url, data=form, environ_base={"REMOTE_ADDR": "198.51.100.10"})
    assert other.status_code == 302
    assert client.get(f"/notices/{world['call'].id}").status_code == 200


def test_withdrawn_recommendations_are_struck_through(client, make):
    world = notice_world(make)
    first, second, _ = world["applications"]
    objection = notice_services.lodge_objection(
        notice=world["notice"],
        application_id=first.id,
        name="张",
        contact="1",
        text="虚报",
        remote_addr=None,
    )
    notice_services.resolve_objection(
        objection=objection, upheld=True, resolution="核实属实", actor=world["admin"]
    )
    english(client)
    html = show(client, world)
    row = html.split(f'data-reference="{first.reference}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-withdrawn="1"' in html.split(f'data-reference="{first.reference}"', 1)[1][:30]
    assert "<s>¥10,000.00</s>" in row and "withdrawn after objection" in row
    assert f'<option value="{first.id}">' not in html  # no longer to object to
    assert f'<option value="{second.id}">' in html


def test_public_pages_for_logged_in_users_too(client, make, login_as):
    world = notice_world(make)
    login_as(make.user(role=Role.REVIEWER))
    assert client.get("/notices").status_code == 200
    assert show(client, world)


def test_query_count_does_not_grow_with_the_notice(client, make, count_queries):
    small = notice_world(make, code="S-2026", projects=3, reviewer_names_in_notice=True)
    big = notice_world(make, code="B-2026", projects=9, reviewer_names_in_notice=True, reviewers=2)
    counts = []
    for world in (small, big):
        show(client, world)
        with count_queries() as queries:
            html = show(client, world)
        assert len(Rows(html, "projects").order) == len(world["applications"]) - 1
        counts.append(queries.count)
    assert counts[0] == counts[1], queries.statements
    assert counts[1] <= 8
    with count_queries() as queries:
        client.get("/notices")
    assert queries.count <= 4
