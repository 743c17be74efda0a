"""Screening (资格审查): the call's submissions for admins, screening one or many, versions."""

import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import render_template
from flask_login import login_user

from microventure.accounts.models import Community, CommunityKind, Role
from microventure.applications import services
from microventure.applications.models import ApplicationStatus, FundingSource
from microventure.applications.version_diff import inline_diff, row_diff
from microventure.calls.models import BudgetCategory, Domain
from microventure.extensions import db
from tests.helpers_calls import complete_content, make_call, make_fund

S = ApplicationStatus


class World:
    """A street with two communities, its admin, and an open call without required files."""

    def __init__(self, make, code="NC-2026-MCT"):
        self.make = make
        self.street = make.street()
        self.community, *_ = self.street.communities
        self.second = Community(street=self.street, name="第二社区", kind=CommunityKind.COMMUNITY)
        db.session.add(self.second)
        db.session.flush()
        self.admin = make.user(role=Role.STREET_ADMIN, street=self.street)
        fund = make_fund(actor=self.admin, street=self.street)
        self.call = make_call(actor=self.admin, fund=fund, code=code, required_attachments=[])

    def application(self, *, submit=True, materials=20, **content):
        """An application from a new organisation; ``materials`` × ¥1,000 of grant-paid
        materials plus ¥5,000 of grant-paid personnel, so the grant is ¥17,000–¥30,000."""
        owner = self.make.user()
        org = self.make.organization(street=self.street, owner=owner)
        application = services.start_application(call=self.call, organization=org, actor=owner)
        lines = complete_content(self.call).budget_lines
        lines = [replace(lines[0], quantity=materials), *lines[1:]]
        services.save_draft(
            application=application,
            content=complete_content(self.call, budget_lines=lines, **content),
            actor=owner,
        )
        if submit:
            services.submit(application=application, actor=owner)
        application.owner = owner
        return application


@pytest.fixture
def world(make):
    return World(make)


def references(page: str) -> list[str]:
    return re.findall(r'<tr data-reference="([^"]+)"', page)


def listing(client, world, **args):
    response = client.get(f"/admin/calls/{world.call.id}/applications", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


# ------------------------------------------------------------------------------------ the list


def test_street_admin_sees_the_submissions_but_not_drafts(client, login_as, world):
    first = world.application(materials=12)
    second = world.application(materials=25)
    world.application(submit=False, title="尚未提交的草稿")
    withdrawn = world.application(submit=False, title="提交前撤回的草稿")
    services.withdraw(application=withdrawn, actor=withdrawn.owner)
    login_as(world.admin)
    page = listing(client, world)
    assert references(page) == [first.reference, second.reference]
    assert "尚未提交的草稿" not in page and "提交前撤回的草稿" not in page
    assert "¥17,000.00" in page and "¥37,000.00" in page  # requested and total of the first
    assert "¥30,000.00" in page and "¥50,000.00" in page
    assert world.community.name in page


def test_filters_by_state_domain_community_and_search(client, login_as, world):
    elderly = world.application(title="长者智能手机课堂", community_ids=[world.community.id])
    garbage = world.application(
        title="垃圾分类宣传", domain=Domain.GARBAGE_SORTING, community_ids=[world.second.id]
    )
    both = world.application(
        title="两个社区的长者探访", community_ids=[world.community.id, world.second.id]
    )
    services.screen(application=garbage, decision=S.ELIGIBLE, reason="", actor=world.admin)
    login_as(world.admin)

    assert references(listing(client, world, state="eligible")) == [garbage.reference]
    assert references(listing(client, world, state="submitted")) == [
        elderly.reference,
        both.reference,
    ]
    assert references(listing(client, world, domain="garbage_sorting")) == [garbage.reference]
    assert references(listing(client, world, community=world.second.id)) == [
        garbage.reference,
        both.reference,
    ]
    assert references(listing(client, world, community=world.community.id)) == [
        elderly.reference,
        both.reference,
    ]
    assert references(listing(client, world, q="垃圾")) == [garbage.reference]
    assert references(listing(client, world, q=both.organization.name)) == [both.reference]
    assert references(listing(client, world, q=elderly.reference)) == [elderly.reference]
    assert references(listing(client, world, q="100%")) == []  # LIKE wildcards are literal
    # filters combine, and unknown values are ignored rather than refused
    page = listing(client, world, state="submitted", community=world.second.id, domain="x")
    assert references(page) == [both.reference]


def test_state_counts_follow_the_other_filters(client, login_as, world):
    world.application(community_ids=[world.community.id])
    returned = world.application(community_ids=[world.second.id])
    services.screen(application=returned, decision=S.RETURNED, reason="补充", actor=world.admin)
    login_as(world.admin)
    counts = re.findall(
        r'data-state="(\w+)"[^>]*>[^<]*<span class="badge[^"]*">(\d+)<',
        listing(client, world, community=world.second.id),
    )
    assert dict(counts) == {"returned": "1"}


def test_sorting_by_requested_amount_and_organisation(client, login_as, world):
    middle = world.application(materials=18)
    small = world.application(materials=12)
    large = world.application(materials=25)
    login_as(world.admin)
    ascending = [small.reference, middle.reference, large.reference]
    assert references(listing(client, world, sort="requested")) == ascending
    assert references(listing(client, world, sort="-requested")) == ascending[::-1]
    by_name = sorted([middle, small, large], key=lambda a: a.organization.name)
    assert references(listing(client, world, sort="organization")) == [a.reference for a in by_name]
    assert references(listing(client, world, sort="-reference")) == [
        large.reference,
        small.reference,
        middle.reference,
    ]


def test_pages_of_twenty(app, client, login_as, world, monkeypatch):
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 2)
    made = [world.application() for _ in range(3)]
    login_as(world.admin)
    assert references(listing(client, world)) == [a.reference for a in made[:2]]
    page_two = listing(client, world, page=2)
    assert references(page_two) == [made[2].reference]
    assert f"/admin/calls/{world.call.id}/applications?page=1" in page_two


def test_the_list_makes_the_same_number_of_queries_for_3_and_15(
    client, login_as, world, count_queries
):
    for materials in (12, 20, 25):
        world.application(materials=materials, community_ids=[world.community.id])
    login_as(world.admin)
    listing(client, world)  # warm up: the session user and the lazy state of the first request

    def measured() -> int:
        with count_queries() as counter:
            page = listing(client, world, sort="-requested")
        return counter.count, len(references(page))

    few, shown = measured()
    assert shown == 3
    for i in range(12):
        world.application(
            materials=12 + i, community_ids=[world.community.id, world.second.id][: 1 + i % 2]
        )
    many, shown = measured()
    assert shown == 15
    assert few == many <= 10


def test_other_calls_applications_change_neither_the_rows_nor_the_cost(
    client, login_as, world, make, count_queries
):
    """The requested grant is the application's own column and the totals are worked out for
    the page's rows: another call's applications and budget lines are never read."""
    world.application(materials=12)
    world.application(materials=25)
    login_as(world.admin)
    listing(client, world)  # warm up

    def measured() -> tuple[int, str]:
        with count_queries() as counter:
            page = listing(client, world, sort="-requested")
        table = page[page.index("<tbody") : page.index("</tbody>")]
        for statement in counter.statements:  # budget lines read for a row, never grouped
            if "budget_lines" in statement:
                assert "budget_lines.application_id = applications.id" in statement
                assert "GROUP BY budget_lines" not in statement
        return counter.count, table

    before, rows_before = measured()
    other = World(make, code="NC-2026-OTHER")
    for materials in range(12, 20):
        other.application(materials=materials)
    after, rows_after = measured()
    assert after == before
    assert rows_after == rows_before
    # ¥30,000 requested of ¥50,000 in all, then ¥17,000 of ¥37,000 (personnel ¥5,000, the rest
    # from other sources)
    assert re.findall(r"¥[\d,]+\.00", rows_after)[:2] == ["¥30,000.00", "¥50,000.00"]
    assert "¥17,000.00" in rows_after and "¥37,000.00" in rows_after


# ----------------------------------------------------------------------------------- access


def test_street_admin_of_another_street_gets_404(client, login_as, world, make):
    application = world.application()
    other_street = make.street()
    outsider = make.user(role=Role.STREET_ADMIN, street=other_street)
    login_as(outsider)
    assert client.get(f"/admin/calls/{world.call.id}/applications").status_code == 404
    response = client.post(
        f"/admin/applications/{application.id}/screening", data={"decision": "eligible"}
    )
    assert response.status_code == 404
    response = client.post(
        f"/admin/calls/{world.call.id}/applications/bulk",
        data={"decision": "eligible", "ids": [application.id]},
    )
    assert response.status_code == 404
    assert client.get(f"/applications/{application.id}/versions/1").status_code == 404
    assert application.status is S.SUBMITTED


def test_applicant_gets_404_on_the_admin_list_and_cannot_screen(client, login_as, world):
    application = world.application()
    login_as(application.owner)
    assert client.get(f"/admin/calls/{world.call.id}/applications").status_code == 404
    response = client.post(
        f"/admin/applications/{application.id}/screening", data={"decision": "eligible"}
    )
    assert response.status_code == 403  # they may see their application, not screen it
    assert application.status is S.SUBMITTED


def test_unknown_call_and_draft_are_404_for_a_district_admin(client, login_as, world, make):
    draft = world.application(submit=False)
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    assert client.get("/admin/calls/999999/applications").status_code == 404
    response = client.post(
        f"/admin/applications/{draft.id}/screening", data={"decision": "eligible"}
    )
    assert response.status_code == 404
    assert client.get(f"/admin/calls/{world.call.id}/applications").status_code == 200


# -------------------------------------------------------------------------- screening one


def test_screening_one_application_as_eligible(client, login_as, world):
    application = world.application()
    login_as(world.admin)
    response = client.post(
        f"/admin/applications/{application.id}/screening", data={"decision": "eligible"}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/applications/{application.id}#screening")
    db.session.refresh(application)
    assert application.status is S.ELIGIBLE


def test_returning_without_a_reason_is_refused_and_keeps_what_was_typed(
    app, client, login_as, world
):
    application = world.application()
    login_as(world.admin)
    response = client.post(
        f"/admin/applications/{application.id}/screening",
        data={"decision": "returned", "reason": "   "},
    )
    assert response.status_code == 302
    address = urlsplit(response.location)
    assert address.path == f"/applications/{application.id}" and address.fragment == "screening"
    assert parse_qs(address.query)["decision"] == ["returned"]
    assert [category for category, _message in flashes(client)] == ["danger"]
    db.session.refresh(application)
    assert application.status is S.SUBMITTED and application.screening_reason is None

    # a reason typed without choosing a decision comes back in the address…
    typed = "预算明细需细化 <b>请补充</b>"
    response = client.post(
        f"/admin/applications/{application.id}/screening", data={"reason": typed}
    )
    address = urlsplit(response.location)
    assert parse_qs(address.query)["reason"] == [typed]
    assert application.status is S.SUBMITTED

    # …and the screening card on the application's page puts it back in the form, escaped
    with app.test_request_context(address.path + "?" + address.query + "&decision=returned"):
        login_user(world.admin)
        card = render_template("screening/_screen_form.html", application=application)
    assert 'id="screening"' in card
    assert "预算明细需细化 &lt;b&gt;请补充&lt;/b&gt;</textarea>" in card
    assert re.search(r'value="returned"\s+checked', card)
    assert f'action="/admin/applications/{application.id}/screening"' in card


def test_screening_card_shows_only_a_note_once_screened(app, world):
    application = world.application()
    services.screen(
        application=application, decision=S.INELIGIBLE, reason="不符合", actor=world.admin
    )
    with app.test_request_context(f"/applications/{application.id}"):
        login_user(world.admin)
        card = render_template("screening/_screen_form.html", application=application)
        login_user(application.owner)
        hidden = render_template("screening/_screen_form.html", application=application)
    assert 'id="screening"' in card and "<form" not in card and "不符合" in card
    assert hidden.strip() == ""


# ------------------------------------------------------------------------------------- bulk


def test_bulk_eligible_screens_submitted_ones_and_names_the_skipped(client, login_as, world):
    first, second, returned = (world.application() for _ in range(3))
    services.screen(application=returned, decision=S.RETURNED, reason="补充", actor=world.admin)
    draft = world.application(submit=False)
    login_as(world.admin)
    response = client.post(
        f"/admin/calls/{world.call.id}/applications/bulk?state=submitted&sort=-requested",
        data={
            "decision": "eligible",
            "reason": "",
            "ids": [first.id, second.id, returned.id, draft.id],
        },
    )
    assert response.status_code == 302
    address = urlsplit(response.location)
    assert address.path == f"/admin/calls/{world.call.id}/applications"
    assert parse_qs(address.query) == {"state": ["submitted"], "sort": ["-requested"]}
    messages = flashes(client)
    assert "2" in messages[0][1]
    assert messages[1][0] == "warning" and returned.reference in messages[1][1]
    for application in (first, second, returned, draft):
        db.session.refresh(application)
    assert (first.status, second.status) == (S.ELIGIBLE, S.ELIGIBLE)
    assert returned.status is S.RETURNED and draft.status is S.DRAFT


def test_bulk_return_without_a_reason_changes_nothing_and_keeps_the_ticks(client, login_as, world):
    first, second = world.application(), world.application()
    login_as(world.admin)
    response = client.post(
        f"/admin/calls/{world.call.id}/applications/bulk",
        data={"decision": "returned", "reason": " ", "ids": [first.id, second.id]},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "is-invalid" in page
    assert re.search(rf'value="{first.id}" id="pick-{first.id}"\s+checked', page)
    assert re.search(r'value="returned"\s+checked', page)
    for application in (first, second):
        db.session.refresh(application)
        assert application.status is S.SUBMITTED


def test_bulk_ignores_applications_of_other_calls(client, login_as, world, make):
    application = world.application()
    elsewhere = World(make, code="SQ-2026-MCT")
    foreign = elsewhere.application()
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    client.post(
        f"/admin/calls/{world.call.id}/applications/bulk",
        data={"decision": "eligible", "ids": [application.id, foreign.id]},
    )
    db.session.refresh(foreign)
    db.session.refresh(application)
    assert application.status is S.ELIGIBLE and foreign.status is S.SUBMITTED


# ---------------------------------------------------------------------------------- versions


def resubmitted(world, **changes):
    application = world.application()
    services.screen(
        application=application, decision=S.RETURNED, reason="请修改", actor=world.admin
    )
    services.save_draft(
        application=application,
        content=complete_content(world.call, **changes),
        actor=application.owner,
    )
    services.submit(application=application, actor=application.owner)
    return application


def test_version_two_shows_what_changed_since_version_one(client, login_as, world):
    lines = complete_content(world.call).budget_lines
    extra = services.BudgetRow(
        category=BudgetCategory.MATERIALS,
        item="宣传单页",
        unit_price=100_00,
        quantity=10,
        source=FundingSource.MATCHING,
    )
    application = resubmitted(
        world,
        title="长者智慧手机进阶课堂",
        summary="<script>alert(1)</script>教长者使用智能手机",
        budget_lines=[*lines, extra],
    )
    login_as(application.owner)
    response = client.get(f"/applications/{application.id}/versions/2")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    title = re.search(r'data-field="title"[^>]*>(.*?)</p>', page).group(1)
    assert '<del class="text-danger">能手机</del>' in title
    assert '<ins class="text-success">慧手机进阶</ins>' in title
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    added = re.search(r'data-list="budget_lines".*?</table>', page, re.DOTALL).group(0)
    assert 'data-change="added"' in added and "宣传单页" in added
    totals = re.search(r'data-testid="totals".*?</table>', page, re.DOTALL).group(0)
    assert "¥45,000.00" in totals and "¥46,000.00" in totals

    first = client.get(f"/applications/{application.id}/versions/1").get_data(as_text=True)
    assert 'id="changes"' not in first and "长者智能手机课堂" in first
    assert client.get(f"/applications/{application.id}/versions/3").status_code == 404


def test_versions_are_visible_to_admins_and_members_only(client, login_as, world, make):
    application = world.application()
    login_as(world.admin)
    assert client.get(f"/applications/{application.id}/versions/1").status_code == 200
    client.post("/auth/logout")
    login_as(make.user())
    assert client.get(f"/applications/{application.id}/versions/1").status_code == 404


# ------------------------------------------------------------------------------- diff units


def test_inline_diff_works_on_characters_and_keeps_latin_words_whole():
    assert inline_diff("社区长者", "社区儿童") == [
        ("equal", "社区"),
        ("del", "长者"),
        ("ins", "儿童"),
    ]
    assert inline_diff("offline class", "online class") == [
        ("del", "offline"),
        ("ins", "online"),
        ("equal", " class"),
    ]
    assert inline_diff("", "新") == [("ins", "新")]


def test_row_diff_pairs_rows_by_name():
    before = [
        {"name": "课堂", "target": 100, "unit": "人"},
        {"name": "探访", "target": 5, "unit": "次"},
    ]
    after = [
        {"name": "课堂", "target": 150, "unit": "人"},
        {"name": "讲座", "target": 2, "unit": "场"},
    ]
    kinds = [
        (c.kind, (c.after or c.before)[0]) for c in row_diff("indicators", before, after).changes
    ]
    assert kinds == [("changed", "课堂"), ("added", "讲座"), ("removed", "探访")]
    (changed, *_) = row_diff("indicators", before, after).changes
    assert changed.changed_columns == {1}


def test_the_forms_carry_a_csrf_token_that_is_checked(app, client, login_as, world, monkeypatch):
    application = world.application()
    login_as(world.admin)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = listing(client, world)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    bulk = f"/admin/calls/{world.call.id}/applications/bulk"
    data = {"decision": "eligible", "ids": [application.id]}
    assert client.post(bulk, data=data).status_code == 400  # no token: refused
    db.session.refresh(application)
    assert application.status is S.SUBMITTED
    assert client.post(bulk, data=data | {"csrf_token": token}).status_code == 302
    db.session.refresh(application)
    assert application.status is S.ELIGIBLE
