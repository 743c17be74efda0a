"""The decisions page: recommending and turning down one application, the budget refusal with
what is left, bulk decisions (all or nothing), when decisions are possible, access and the
query count."""

import pytest
from flask_babel import force_locale

from microventure.accounts.models import Role
from microventure.applications.models import ApplicationStatus
from microventure.core import audit
from microventure.core.errors import DomainError
from microventure.decisions import notice as notice_services
from microventure.decisions import services
from microventure.decisions.models import Decision, Outcome
from microventure.extensions import db
from microventure.funds.queries import call_balance
from tests.test_decisions_form import decision_form
from tests.test_decisions_funding_line import decisions_html, hand_example, summary
from tests.test_decisions_world import YUAN, Rows, decision_world, publish

K = 1_000 * YUAN
S = ApplicationStatus


def decide(client, world, application, **form):
    return client.post(f"/admin/calls/{world['call'].id}/decisions/{application.id}", data=form)


def decision_of(application) -> Decision | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Decision).where(Decision.application_id == application.id))


def test_recommend_from_the_page(client, make, login_as):
    world = hand_example(make)
    _a30, a40, _a10, _a35 = world["applications"]
    login_as(world["admin"])
    response = decide(
        client, world, a40, action="recommend", amount="38,500.50", conditions="压缩人员费用"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#application-{a40.id}")
    d = decision_of(a40)
    assert (d.outcome, d.amount, d.conditions) == (Outcome.RECOMMENDED, 3_850_050, "压缩人员费用")
    assert a40.status is S.RECOMMENDED
    assert call_balance(world["call"]).granted == 3_850_050
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{a40.reference} is recommended." in html
    row = Rows(html, "decisions").rows[a40.reference]
    assert "¥38,500.50" in row["decision"] and "压缩人员费用" in row["decision"]
    assert summary(html, "granted") == "¥38,500.50"
    assert summary(html, "room") == "¥61,499.50"
    assert any(e.action == "decision.recommended" for e in audit.timeline(a40))


def test_not_recommend_needs_a_reason(client, make, login_as):
    world = hand_example(make)
    a30 = world["applications"][0]
    login_as(world["admin"])
    response = decide(client, world, a30, action="not_recommend", reason="  ")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-error-for="reason"' in html
    assert "Give the reason it is not recommended." in html
    assert decision_of(a30) is None
    # whatever sits in the amount box does not matter when turning down
    response = decide(
        client, world, a30, action="not_recommend", amount="abc", reason="与社区需求关联不足"
    )
    assert response.status_code == 302
    d = decision_of(a30)
    assert (d.outcome, d.amount, d.reason) == (Outcome.NOT_RECOMMENDED, None, "与社区需求关联不足")
    assert a30.status is S.NOT_RECOMMENDED


def test_over_budget_is_refused_by_the_service_saying_what_is_left(make):
    world = hand_example(make)
    a30, a40, a10, a35 = world["applications"]
    admin = world["admin"]
    services.recommend(application=a40, amount=40 * K, actor=admin)
    services.recommend(application=a35, amount=35 * K, actor=admin)
    with pytest.raises(DomainError) as refused:
        services.recommend(application=a30, amount=30 * K, actor=admin)
    assert refused.value.field == "amount"
    with force_locale("en"):
        assert str(refused.value) == (
            "Recommending ¥30,000.00 would exceed the call's budget: ¥25,000.00 is left."
        )
    assert a30.status is S.IN_REVIEW
    # what is left still fits, exactly
    services.recommend(application=a30, amount=25 * K, actor=admin)
    assert call_balance(world["call"]).granted == 100 * K
    with pytest.raises(DomainError, match=r"¥0\.00"):
        services.recommend(application=a10, amount=1 * YUAN, actor=admin)


def test_over_budget_on_the_page_keeps_the_amount_typed(client, make, login_as):
    world = hand_example(make)
    a30, a40, _a10, a35 = world["applications"]
    services.recommend(application=a40, amount=40 * K, actor=world["admin"])
    services.recommend(application=a35, amount=35 * K, actor=world["admin"])
    login_as(world["admin"])
    response = decide(client, world, a30, action="recommend", amount="30000", conditions="按期")
    assert response.status_code in (200, 422)
    html = response.get_data(as_text=True)
    # the page's one decision form is open under the refused row, not hidden
    row, tag, form = decision_form(html)
    assert row == str(a30.id)
    assert f'data-application="{a30.id}"' in tag and "hidden" not in tag
    assert f'action="/admin/calls/{world["call"].id}/decisions/{a30.id}?basis=requested"' in form
    refused = f'<tr id="application-{a30.id}" data-reference="{a30.reference}" data-funded="0"'
    assert f'{refused} class="table-danger">' in html
    assert 'value="30000"' in form
    assert "按期" in form
    assert "would exceed the call&#39;s budget: ¥25,000.00 is left." in form
    assert 'data-error-for="amount"' in form
    assert decision_of(a30) is None
    # a wrong amount is refused next to the field too, never a 500
    response = decide(client, world, a30, action="recommend", amount="12.345")
    assert response.status_code == 200
    assert "at most two decimals" in response.get_data(as_text=True)
    response = decide(client, world, a30, action="recommend", amount="50000")
    assert "cannot exceed the ¥30,000.00 requested" in response.get_data(as_text=True)


def test_unknown_action_or_application_of_another_call(client, make, login_as):
    world = hand_example(make)
    other = decision_world(make, requests=[20 * K], scores=[80], code="OTHER-2026")
    login_as(world["admin"])
    response = decide(client, world, world["applications"][0], action="shred", amount="1")
    assert response.status_code == 200
    assert "Choose to recommend the application or not." in response.get_data(as_text=True)
    assert decide(client, world, other["applications"][0], action="recommend").status_code == 404


# -------------------------------------------------------------------------------------- bulk


def bulk(client, world, **form):
    return client.post(f"/admin/calls/{world['call'].id}/decisions/bulk", data=form)


def test_apply_the_funding_line(client, make, login_as):
    world = hand_example(make)
    a30, a40, a10, a35 = world["applications"]
    # a standing decision the line changes: the ¥10,000 one was recommended by hand
    services.recommend(application=a10, amount=10 * K, actor=world["admin"])
    login_as(world["admin"])
    response = bulk(client, world, mode="line", basis="requested", reason="排名在资助线以下")
    assert response.status_code == 302
    db.session.expire_all()
    assert [a.status for a in (a40, a35, a30, a10)] == [
        S.RECOMMENDED,
        S.RECOMMENDED,
        S.NOT_RECOMMENDED,
        S.NOT_RECOMMENDED,
    ]
    assert decision_of(a40).amount == 40 * K and decision_of(a35).amount == 35 * K
    assert decision_of(a30).reason == "排名在资助线以下"
    assert call_balance(world["call"]).granted == 75 * K
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 recommended, 2 not recommended" in html


def test_apply_the_line_needs_a_reason_for_the_others(client, make, login_as):
    world = hand_example(make)
    login_as(world["admin"])
    response = bulk(client, world, mode="line", basis="requested", reason="")
    assert response.status_code == 200
    assert "Give the reason for those not recommended." in response.get_data(as_text=True)
    assert all(a.status is S.IN_REVIEW for a in world["applications"])


def test_bulk_is_all_or_nothing_and_names_the_refused_application(client, make, login_as):
    # three ticked, in reference order a30, a10, a35: the last was withdrawn (after the page was
    # read), which no decision can move, so the two turned down before it are undone as well
    world = hand_example(make)
    a30, _a40, a10, a35 = world["applications"]
    a35.status = S.WITHDRAWN  # as if withdrawn after the ranking was read
    db.session.flush()
    login_as(world["admin"])
    response = bulk(
        client,
        world,
        mode="selected",
        reason="不符合条件",
        application_ids=[str(a30.id), str(a35.id), str(a10.id)],
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"{a35.reference} “项目4”" in html
    assert "cannot be recommended or turned down" in html
    db.session.expire_all()
    assert a30.status is S.IN_REVIEW and a10.status is S.IN_REVIEW  # nothing was kept
    assert decision_of(a30) is None
    assert "不符合条件" in html  # the reason typed is still there
    assert html.count("checked") >= 2  # and so are the ticks


def test_turn_down_the_ticked_applications(client, make, login_as):
    world = hand_example(make)
    a30, a40, a10, _a35 = world["applications"]
    login_as(world["admin"])
    assert "Tick the applications" in bulk(client, world, mode="selected", reason="x").get_data(
        as_text=True
    )
    response = bulk(
        client, world, mode="selected", reason="预算不合理", application_ids=[a30.id, a10.id]
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (a30.status, a10.status, a40.status) == (
        S.NOT_RECOMMENDED,
        S.NOT_RECOMMENDED,
        S.IN_REVIEW,
    )
    assert decision_of(a10).reason == "预算不合理"


# ------------------------------------------------------------------------------------ timing


def test_no_decisions_before_the_call_closes(client, make, login_as):
    world = decision_world(make, requests=[20 * K], scores=[80], close=False)
    application = world["applications"][0]
    login_as(world["admin"])
    html = decisions_html(client, world["call"])
    assert 'data-phase="open"' in html
    assert "once it has closed" in html
    assert f'data-decide="{application.id}"' not in html
    assert 'id="decide"' not in html and "decisions.js" not in html  # nothing to decide yet
    response = decide(client, world, application, action="recommend", amount="20000")
    assert "Decisions can be recorded once the call has closed." in response.get_data(as_text=True)
    assert decision_of(application) is None


def test_after_the_notice_only_substitutes_are_offered(client, make, login_as):
    world = hand_example(make)
    _a30, a40, a10, _a35 = world["applications"]
    publish(world, amounts=[30 * K, 40 * K])  # a30 and a40 recommended, the others not
    login_as(world["admin"])
    html = decisions_html(client, world["call"])
    assert 'data-phase="notice"' in html
    assert f'data-decide="{a40.id}"' not in html  # recommended: fixed
    # without an upheld objection there is nothing to substitute for: the page offers nothing,
    # as the service refuses it
    assert f'data-decide="{a10.id}"' not in html
    assert 'id="bulk-form"' not in html
    response = decide(client, world, a10, action="recommend", amount="10000")
    assert "in place of one withdrawn after an upheld objection" in response.get_data(as_text=True)
    response = decide(client, world, a40, action="not_recommend", reason="改主意了")
    assert "Decisions can no longer change" in response.get_data(as_text=True)
    assert a40.status is S.RECOMMENDED
    # an objection to a40 is upheld: its money is free, and a10 may take its place
    objection = notice_services.lodge_objection(
        notice=world["notice"],
        application_id=a40.id,
        name="张居民",
        contact="13912345678",
        text="该项目与去年重复",
        remote_addr=None,
    )
    notice_services.resolve_objection(
        objection=objection, upheld=True, resolution="属实", actor=world["admin"]
    )
    html = decisions_html(client, world["call"])
    assert f'data-decide="{a10.id}"' in html  # not recommended: a possible substitute
    assert f'data-decide="{a40.id}"' not in html
    assert 'value="not_recommend"' not in html and 'name="reason"' not in html
    # asking for the withdrawn one's form opens nothing; the substitute's opens under its row
    _row, tag, _form = decision_form(decisions_html(client, world["call"], decide=a40.id))
    assert 'data-application="" hidden' in tag
    row, tag, form = decision_form(decisions_html(client, world["call"], decide=a10.id))
    assert row == str(a10.id) and "hidden" not in tag
    assert 'value="10000.00"' in form


# ------------------------------------------------------------------------------------ access


def test_only_the_calls_admins_see_the_pages(client, make, login_as):
    world = hand_example(make)
    call, application = world["call"], world["applications"][0]
    other_admin = make.user(role=Role.STREET_ADMIN, street=make.street())
    reviewer = world["pool"][0]
    pages = [
        f"/admin/calls/{call.id}/decisions",
        f"/admin/calls/{call.id}/notice",
    ]
    posts = [
        f"/admin/calls/{call.id}/decisions/{application.id}",
        f"/admin/calls/{call.id}/decisions/bulk",
        f"/admin/calls/{call.id}/notice/publish",
        f"/admin/calls/{call.id}/finalize",
    ]
    for user in (application.owner, reviewer, other_admin):
        login_as(user)
        for url in pages:
            assert client.get(url).status_code == 404, (user, url)
        for url in posts:
            assert client.post(url, data={"action": "recommend", "amount": "1"}).status_code == 404
        client.post("/auth/logout")
    assert client.get(pages[0]).status_code == 302  # to the login page
    district = make.user(role=Role.DISTRICT_ADMIN)
    login_as(district)
    assert client.get(pages[0]).status_code == 200
    assert client.get(f"/admin/calls/{call.id + 999}/decisions").status_code == 404
    assert decision_of(application) is None


def test_query_count_does_not_grow_with_the_call(client, make, login_as, count_queries):
    small = decision_world(
        make, requests=[20 * K] * 3, scores=[80, 70, 60], code="SMALL-2026", reviewers=2
    )
    big = decision_world(
        make, requests=[20 * K] * 9, scores=[90 - i for i in range(9)], code="BIG-2026", reviewers=2
    )
    counts = []
    for world in (small, big):
        for application in world["applications"][:2]:
            services.recommend(application=application, amount=10 * K, actor=world["admin"])
        services.not_recommend(
            application=world["applications"][2], reason="得分较低", actor=world["admin"]
        )
        login_as(world["admin"])
        decisions_html(client, world["call"])  # warm up: the first request of a login may write
        with count_queries() as queries:
            html = decisions_html(client, world["call"], basis="suggested")
        assert len(Rows(html, "decisions").order) == len(world["applications"])
        counts.append(queries.count)
        chosen = world["applications"][1].id  # (reading it may refresh the object)
        with count_queries() as queries:  # the decision form open under a row: the same
            decisions_html(client, world["call"], decide=chosen)
        counts.append(queries.count)
    assert len(set(counts)) == 1, (counts, queries.statements)
    assert counts[0] <= 15


def test_decisions_in_bulk_need_a_reason_and_name_the_refused_application(make):
    world = hand_example(make)
    a30, a40, a10, a35 = world["applications"]
    admin = world["admin"]
    with pytest.raises(DomainError) as missing:
        services.decide_in_bulk(recommended=[], not_recommended=[a10], reason=" ", actor=admin)
    assert missing.value.field == "reason"
    with pytest.raises(DomainError) as refused:
        services.decide_in_bulk(
            recommended=[(a40, 40 * K, ""), (a35, 35 * K, ""), (a30, 30 * K, "")],
            not_recommended=[],
            reason="",
            actor=admin,
        )
    assert a30.reference in str(refused.value)
