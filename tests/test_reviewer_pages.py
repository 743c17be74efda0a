"""The reviewer's pages through HTTP: the list with progress, the declaration before any content,
access, scoring with refusals next to their fields, locking, others' reviews, conflicts, blind
review, attachments, and the list's fixed number of queries."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from microventure.applications import services as applications
from microventure.applications.models import ApplicationStatus
from microventure.calls.models import AttachmentKind
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.reviews import reviewer_queries, services
from microventure.reviews.models import Assignment, AssignmentStatus, Recommendation
from tests.conftest import login
from tests.helpers_calls import complete_content
from tests.helpers_reviews import add_reviewer, due, eligible_round, pdf

A = AssignmentStatus


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


def assigned_round(make, *, applications_count=1, reviewers=3, **call_overrides):
    """A round whose applications each have ``reviewers`` reviewers (the whole pool)."""
    world = eligible_round(
        make,
        applications_count=applications_count,
        reviewers=reviewers,
        reviewers_per_application=reviewers,
        **call_overrides,
    )
    call = world["call"]
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=world["admin"])
    return world


def assignment_of(reviewer, application) -> Assignment:
    return db.session.scalar(
        select(Assignment).where(
            Assignment.reviewer_id == reviewer.id, Assignment.application_id == application.id
        )
    )


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def sign(client, assignment) -> None:
    response = client.post(f"/reviews/{assignment.id}/declaration", data={"no_conflict": "y"})
    assert response.status_code == 302


def scores(call, values) -> dict:
    return {f"criterion_{c.id}": str(v) for c, v in zip(call.criteria, values, strict=True)}


def full_marks(call, less=0.5) -> dict:
    return scores(call, [c.max_points - less for c in call.criteria])


def input_tag(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert found, f"no input {name}"
    return found.group(0)


def feedback_after(html: str, name: str) -> list[str]:
    """The invalid-feedback messages in the input group of field ``name``."""
    start = html.index(input_tag(html, name))
    group = html[start : html.index("</div>\n    </div>", start)]
    return re.findall(r'<div (?:id="[^"]*" )?class="invalid-feedback">([^<]+)</div>', group)


def progress(html: str, testid: str) -> tuple[int, int]:
    found = re.search(rf'data-testid="{testid}" data-done="(\d+)" data-total="(\d+)"', html)
    assert found, f"no {testid}"
    return int(found.group(1)), int(found.group(2))


def with_attachments(world, make, kinds=(AttachmentKind.PROJECT_PLAN,)):
    """One more eligible application, with attachments, assigned to the first reviewer."""
    owner = make.user()
    org = make.organization(street=world["street"], owner=owner)
    application = applications.start_application(call=world["call"], organization=org, actor=owner)
    applications.save_draft(
        application=application, content=complete_content(world["call"]), actor=owner
    )
    attached = [
        applications.add_attachment(application=application, kind=kind, upload=pdf(), actor=owner)
        for kind in kinds
    ]
    applications.submit(application=application, actor=owner)
    applications.screen(
        application=application,
        decision=ApplicationStatus.ELIGIBLE,
        reason="",
        actor=world["admin"],
    )
    services.assign(
        application=application, reviewer=world["pool"][0], due_on=due(), actor=world["admin"]
    )
    return application, attached


# ---------------------------------------------------------------------------------- the list


def test_reviewer_sees_their_list_with_progress_and_the_next_one(app, make):
    world = eligible_round(make, applications_count=4, reviewers=1, reviewers_per_application=1)
    reviewer = world["pool"][0]
    apps = world["applications"]
    # the third application is due first: "Next" goes there whatever the reference order
    for offset, application in zip((3, 4, 1, 5), apps, strict=True):
        services.assign(
            application=application,
            reviewer=reviewer,
            due_on=due() + timedelta(days=offset),
            actor=world["admin"],
        )
    client = client_for(app, reviewer)
    html = page(client, "/reviews")
    assert progress(html, "progress-overall") == (0, 4)
    assert progress(html, "progress") == (0, 4)  # the call's own
    first = assignment_of(reviewer, apps[2])
    assert re.search(rf'data-testid="next" data-assignment="{first.id}"', html)
    for application in apps:
        assert application.reference in html and application.summary not in html

    sign(client, first)
    response = client.post(
        f"/reviews/{first.id}/review",
        data=full_marks(world["call"]) | {"recommendation": "fund", "action": "submit"},
    )
    assert response.status_code == 302
    conflicted = assignment_of(reviewer, apps[3])
    response = client.post(f"/reviews/{conflicted.id}/conflict", data={"reason": "我是该机构理事"})
    assert response.status_code == 302

    html = page(client, "/reviews")
    assert progress(html, "progress-overall") == (1, 3)  # the released one no longer counts
    following = assignment_of(reviewer, apps[0])
    assert re.search(rf'data-testid="next" data-assignment="{following.id}"', html)
    declined = html[html.index('id="declined"') :]
    assert "我是该机构理事" in declined and apps[3].reference in declined


def test_the_list_makes_the_same_number_of_queries_for_2_and_8_assignments(
    app, make, count_queries
):
    world = eligible_round(make, applications_count=8, reviewers=2, reviewers_per_application=1)
    few, many = world["pool"]
    for i, application in enumerate(world["applications"]):
        for reviewer in (few, many) if i < 2 else (many,):
            services.assign(
                application=application, reviewer=reviewer, due_on=due(), actor=world["admin"]
            )
    counts = {}
    for reviewer, expected in ((few, 2), (many, 8)):
        client = client_for(app, reviewer)
        page(client, "/reviews")  # warm up
        with count_queries() as counter:
            html = page(client, "/reviews")
        assert progress(html, "progress-overall") == (0, expected)
        counts[expected] = counter.count
    assert counts[2] == counts[8]


def given(reviewer, world, status, count=None) -> list[Assignment]:
    """Assignments of ``reviewer`` on the first ``count`` applications of ``world``'s call, in
    ``status``, written as they stand (the list reads them; how they got there is tested above)."""
    made = [
        Assignment(
            call_id=world["call"].id,
            application=application,
            reviewer=reviewer,
            due_on=due(),
            assigned_by_id=world["admin"].id,
            status=status,
            conflict_reason="我是该机构理事" if status is A.DECLINED else None,
            declared_at=None if status is A.ASSIGNED else utcnow(),
        )
        for application in world["applications"][:count]
    ]
    db.session.add_all(made)
    db.session.commit()
    return made


def test_finished_calls_are_summed_up_and_their_assignments_listed_a_page_at_a_time(
    app, make, monkeypatch
):
    open_round = eligible_round(make, applications_count=2, reviewers=1, code="LIST-1")
    reviewer = open_round["pool"][0]
    pending = given(reviewer, open_round, A.ACCEPTED)
    finished = eligible_round(make, applications_count=5, reviewers=0, code="LIST-2")
    done = given(reviewer, finished, A.SUBMITTED, 4)
    released = given(
        reviewer, {**finished, "applications": finished["applications"][4:]}, A.DECLINED
    )
    client = client_for(app, reviewer)

    html = page(client, "/reviews")
    assert progress(html, "progress-overall") == (4, 6)  # every call counts
    for assignment in pending:
        assert f'data-assignment="{assignment.id}"' in html
    for assignment in done + released:  # only the call's line, not its assignments
        assert f'data-assignment="{assignment.id}"' not in html
    summary = html[html.index('id="finished"') :]
    call_id = finished["call"].id
    assert f'data-finished-call="{call_id}"' in summary
    assert progress(summary, "progress") == (4, 4)
    assert f'href="/reviews?call={call_id}"' in summary

    monkeypatch.setattr(reviewer_queries, "CALL_PER_PAGE", 3)
    first = page(client, f"/reviews?call={call_id}")
    second = page(client, f"/reviews?call={call_id}&page=2")
    assert progress(first, "progress") == (4, 4)
    shown = re.findall(r'data-assignment="(\d+)"', first + second)
    assert sorted(map(int, shown)) == sorted(a.id for a in done + released)
    assert len(re.findall(r'data-assignment="', first)) == 3
    assert "我是该机构理事" in second and f"/reviews/{done[0].id}" in first
    assert 'class="pagination' in first
    # nothing past the last page, a bad page number is the first page
    assert 'data-assignment="' not in page(client, f"/reviews?call={call_id}&page=9")
    assert page(client, f"/reviews?call={call_id}&page=x").count('data-assignment="') == 3
    last = page(client, "/reviews?page=99999999999999999999")  # past the end: the first page
    assert last.count("data-finished-call") == 1
    assert progress(last, "progress-overall") == (4, 6)


def test_someone_elses_call_is_not_listed(app, make):
    mine = eligible_round(make, applications_count=1, reviewers=1, code="LIST-3")
    theirs = eligible_round(make, applications_count=1, reviewers=1, code="LIST-4")
    given(theirs["pool"][0], theirs, A.SUBMITTED)
    client = client_for(app, mine["pool"][0])
    page(client, f"/reviews?call={theirs['call'].id}", status=404)
    page(client, "/reviews?call=999999", status=404)


def test_the_finished_calls_make_the_list_no_longer_and_no_costlier(
    app, make, count_queries, monkeypatch
):
    monkeypatch.setattr(reviewer_queries, "FINISHED_PER_PAGE", 2)
    open_round = eligible_round(make, applications_count=1, reviewers=2, code="LIST-5")
    few, many = open_round["pool"]
    for reviewer in (few, many):
        given(reviewer, open_round, A.ASSIGNED)
    finished = [
        eligible_round(make, applications_count=6, reviewers=0, code=f"LIST-F{i}") for i in range(3)
    ]
    given(few, finished[0], A.SUBMITTED, 1)
    for world in finished:
        given(many, world, A.SUBMITTED)
    counts, sizes = {}, {}
    for reviewer, expected in ((few, (1, 2)), (many, (18, 19))):
        client = client_for(app, reviewer)
        page(client, "/reviews")  # warm up
        with count_queries() as counter:
            html = page(client, "/reviews")
        assert progress(html, "progress-overall") == expected
        counts[reviewer.id] = counter.count
        sizes[reviewer.id] = html.count("data-assignment=")
        with count_queries() as counter:
            page(client, f"/reviews?call={finished[0]['call'].id}")
        counts[reviewer.id, "call"] = counter.count
    assert counts[few.id] == counts[many.id]
    assert counts[few.id, "call"] == counts[many.id, "call"]
    assert sizes[few.id] == sizes[many.id] == 2  # the open call's row ("next" and the list)
    html = page(client_for(app, many), "/reviews?page=2")
    assert html.count("data-finished-call") == 1  # three finished calls, two a page


# --------------------------------------------------------------------------- the declaration


def test_nothing_of_the_application_shows_before_the_declaration(app, make, uploads):
    world = assigned_round(make, applications_count=0, reviewers=1)
    application, (plan,) = with_attachments(world, make)
    assignment = assignment_of(world["pool"][0], application)
    client = client_for(app, world["pool"][0])

    html = page(client, f"/reviews/{assignment.id}")
    assert application.reference in html
    assert application.organization.name in html  # to recognise a conflict
    for text in (application.summary, application.need_analysis, application.objectives):
        assert text not in html
    assert "plan.pdf" not in html
    page(client, f"/reviews/{assignment.id}/attachments/{plan.id}", 404)
    page(client, f"/attachments/{plan.id}", 404)  # the applicant's route is not the reviewer's
    response = client.post(
        f"/reviews/{assignment.id}/review",
        data=full_marks(world["call"]) | {"recommendation": "fund", "action": "submit"},
    )
    assert response.status_code == 302
    assert assignment.review is None and assignment.status is A.ASSIGNED

    # the box must be ticked
    response = client.post(f"/reviews/{assignment.id}/declaration", data={})
    assert response.status_code == 200
    assert application.summary not in response.get_data(as_text=True)
    assert 'class="form-check-input is-invalid"' in response.get_data(as_text=True)
    db.session.refresh(assignment)
    assert assignment.status is A.ASSIGNED

    sign(client, assignment)
    db.session.refresh(assignment)
    assert assignment.status is A.ACCEPTED and assignment.declared_at is not None
    html = page(client, f"/reviews/{assignment.id}")
    assert application.summary in html and application.need_analysis in html
    assert "plan.pdf" in html
    response = client.get(f"/reviews/{assignment.id}/attachments/{plan.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_someone_elses_assignment_is_not_found(app, make, uploads):
    world = assigned_round(make, applications_count=0, reviewers=1)
    application, (plan,) = with_attachments(world, make)
    mine = assignment_of(world["pool"][0], application)
    other_reviewer = add_reviewer(make, world["admin"])
    stranger = client_for(app, other_reviewer)
    page(stranger, "/reviews")  # a reviewer, with an empty list
    page(stranger, f"/reviews/{mine.id}", 404)
    for url, data in (
        (f"/reviews/{mine.id}/declaration", {"no_conflict": "y"}),
        (f"/reviews/{mine.id}/conflict", {"reason": "x"}),
        (f"/reviews/{mine.id}/review", full_marks(world["call"])),
    ):
        assert stranger.post(url, data=data).status_code == 404
    page(stranger, f"/reviews/{mine.id}/attachments/{plan.id}", 404)
    db.session.refresh(mine)
    assert mine.status is A.ASSIGNED and mine.review is None

    # the owner, once declared, still cannot fetch another application's file through it
    owner_client = client_for(app, world["pool"][0])
    sign(owner_client, mine)
    other_application, (foreign,) = with_attachments(world, make)
    page(owner_client, f"/reviews/{mine.id}/attachments/{foreign.id}", 404)
    elsewhere = assignment_of(world["pool"][0], other_application)
    sign(owner_client, elsewhere)
    page(owner_client, f"/reviews/{elsewhere.id}/attachments/{plan.id}", 404)

    applicant = client_for(app, application.organization.members[0].user)
    page(applicant, "/reviews", 403)
    page(applicant, f"/reviews/{mine.id}", 404)
    anonymous = app.test_client()
    assert anonymous.get(f"/reviews/{mine.id}").status_code == 302


def test_declaring_a_conflict_releases_the_assignment(app, make):
    world = assigned_round(make, applications_count=2, reviewers=1)
    reviewer = world["pool"][0]
    first, second = (assignment_of(reviewer, a) for a in world["applications"])
    client = client_for(app, reviewer)

    response = client.post(f"/reviews/{first.id}/conflict", data={"reason": "  "})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="reason"' in html and "is-invalid" in html.split('name="reason"')[0][-300:]
    db.session.refresh(first)
    assert first.status is A.ASSIGNED

    response = client.post(f"/reviews/{first.id}/conflict", data={"reason": "曾为该项目撰写申报书"})
    assert response.status_code == 302 and response.location.endswith("/reviews")
    db.session.refresh(first)
    assert first.status is A.DECLINED and first.conflict_reason == "曾为该项目撰写申报书"
    html = page(client, f"/reviews/{first.id}")
    assert "曾为该项目撰写申报书" in html
    assert world["applications"][0].summary not in html and "data-score-form" not in html
    assert (
        client.post(f"/reviews/{first.id}/declaration", data={"no_conflict": "y"}).status_code
        == 302
    )
    db.session.refresh(first)
    assert first.status is A.DECLINED

    # after signing, a draft is discarded with the conflict
    sign(client, second)
    client.post(f"/reviews/{second.id}/review", data=full_marks(world["call"]) | {"action": "save"})
    db.session.refresh(second)
    assert second.review is not None
    assert (
        client.post(f"/reviews/{second.id}/conflict", data={"reason": "亲属任职"}).status_code
        == 302
    )
    db.session.refresh(second)
    assert second.status is A.DECLINED and second.review is None
    assert world["applications"][1].summary not in page(client, f"/reviews/{second.id}")


# -------------------------------------------------------------------------------------- scoring


def test_scores_outside_the_rubric_are_refused_next_to_each_field(app, make):
    world = assigned_round(make, reviewers=1)
    call = world["call"]
    assignment = assignment_of(world["pool"][0], world["applications"][0])
    client = client_for(app, world["pool"][0])
    sign(client, assignment)
    first, second, third, fourth, *_rest = call.criteria
    assert first.max_points == 20
    typed = full_marks(call) | {
        f"criterion_{first.id}": "21",
        f"criterion_{second.id}": "3.3",
        f"criterion_{third.id}": "-1",
        f"criterion_{fourth.id}": "Infinity",
    }
    response = client.post(
        f"/reviews/{assignment.id}/review",
        data=typed
        | {
            "comment": "打字的评语要保留",
            "recommendation": "fund_with_changes",
            "suggested_amount": "12000",
            "action": "save",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for criterion, value in ((first, "21"), (second, "3.3"), (third, "-1"), (fourth, "Infinity")):
        tag = input_tag(html, f"criterion_{criterion.id}")
        assert f'value="{value}"' in tag and "is-invalid" in tag
        assert len(feedback_after(html, f"criterion_{criterion.id}")) == 1
    valid = call.criteria[4]
    assert "is-invalid" not in input_tag(html, f"criterion_{valid.id}")
    assert f'value="{valid.max_points - 0.5:g}"' in input_tag(html, f"criterion_{valid.id}")
    assert "打字的评语要保留" in html
    assert re.search(
        r'<input[^>]*checked[^>]*value="fund_with_changes"|'
        r'<input[^>]*value="fund_with_changes"[^>]*checked',
        html,
    )
    assert 'value="12000"' in input_tag(html, "suggested_amount")
    assert 'data-testid="problems"' in html
    db.session.refresh(assignment)
    assert assignment.review is None

    # more than requested is refused next to the amount, the scores kept
    requested = world["applications"][0].requested_amount
    response = client.post(
        f"/reviews/{assignment.id}/review",
        data=full_marks(call) | {"suggested_amount": str(requested // 100 + 1), "action": "save"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is-invalid" in input_tag(html, "suggested_amount")
    assert f'value="{first.max_points - 0.5:g}"' in input_tag(html, f"criterion_{first.id}")


def test_a_draft_saves_and_submitting_locks_it(app, make):
    world = assigned_round(make, reviewers=1)
    call = world["call"]
    assignment = assignment_of(world["pool"][0], world["applications"][0])
    client = client_for(app, world["pool"][0])
    sign(client, assignment)

    partial = scores(call, [7.5, 20, "", "", "", "", ""])
    response = client.post(
        f"/reviews/{assignment.id}/review",
        data=partial | {"comment": "初稿", "action": "save"},
    )
    assert response.status_code == 302
    db.session.refresh(assignment)
    review = assignment.review
    assert review.submitted_at is None and review.comment == "初稿"
    assert [s.half_points for s in review.scores] == [15, 40]
    html = page(client, f"/reviews/{assignment.id}")
    assert 'value="7.5"' in input_tag(html, f"criterion_{call.criteria[0].id}")
    assert 'data-score-total aria-live="polite">27.5<' in html

    # the draft saves again (scores replaced), and submitting without a recommendation is refused
    response = client.post(
        f"/reviews/{assignment.id}/review",
        data=full_marks(call, less=0) | {"comment": "终稿", "action": "submit"},
    )
    assert response.status_code == 200
    fieldset = re.search(r'<fieldset[^>]*id="recommendation".*?</fieldset>', response.text, re.S)
    assert "is-invalid" in fieldset.group(0) and "invalid-feedback" in fieldset.group(0)
    db.session.refresh(assignment)
    assert assignment.status is A.ACCEPTED
    response = client.post(
        f"/reviews/{assignment.id}/review",
        data=full_marks(call, less=0)
        | {"comment": "终稿", "recommendation": "fund", "suggested_amount": "", "action": "submit"},
    )
    assert response.status_code == 302
    db.session.refresh(assignment)
    assert assignment.status is A.SUBMITTED
    assert (
        assignment.review.total == 100 and assignment.review.recommendation is Recommendation.FUND
    )
    html = page(client, f"/reviews/{assignment.id}")
    assert "data-score-form" not in html and 'data-testid="locked"' in html
    assert 'data-review-total="100"' in html

    response = client.post(
        f"/reviews/{assignment.id}/review",
        data=full_marks(call)
        | {"comment": "改一改", "recommendation": "do_not_fund", "action": "save"},
    )
    assert response.status_code == 302
    db.session.refresh(assignment)
    assert assignment.review.comment == "终稿" and assignment.review.total == 100

    # an admin reopens it: the form is back with the submitted values
    services.reopen(assignment=assignment, reason="笔误", actor=world["admin"])
    html = page(client, f"/reviews/{assignment.id}")
    assert "data-score-form" in html and "终稿" in html


# ------------------------------------------------------------------------------ others' reviews


def _submit(client, assignment, call, comment):
    sign(client, assignment)
    response = client.post(
        f"/reviews/{assignment.id}/review",
        data=full_marks(call) | {"comment": comment, "recommendation": "fund", "action": "submit"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("allowed", [True, False])
def test_others_reviews_only_after_submitting_and_only_if_the_call_allows(app, make, allowed):
    world = assigned_round(make, reviewers=3)
    world["call"].reviewers_see_others_after_submit = allowed
    call, application = world["call"], world["applications"][0]
    me, colleague, slow = world["pool"]
    colleague.name = "王某某专家"
    _submit(
        client_for(app, colleague), assignment_of(colleague, application), call, "同行的独到意见"
    )
    slow_client = client_for(app, slow)
    sign(slow_client, assignment_of(slow, application))
    slow_client.post(
        f"/reviews/{assignment_of(slow, application).id}/review",
        data=full_marks(call) | {"comment": "尚未提交的草稿", "action": "save"},
    )

    client = client_for(app, me)
    mine = assignment_of(me, application)
    assert "同行的独到意见" not in page(client, f"/reviews/{mine.id}")
    sign(client, mine)
    assert "同行的独到意见" not in page(client, f"/reviews/{mine.id}")
    client.post(
        f"/reviews/{mine.id}/review", data=full_marks(call) | {"comment": "我的", "action": "save"}
    )
    assert "同行的独到意见" not in page(client, f"/reviews/{mine.id}")

    client.post(
        f"/reviews/{mine.id}/review",
        data=full_marks(call) | {"comment": "我的", "recommendation": "fund", "action": "submit"},
    )
    html = page(client, f"/reviews/{mine.id}")
    assert ("同行的独到意见" in html) is allowed
    assert "尚未提交的草稿" not in html and "王某某专家" not in html
    assert ('data-testid="others"' in html) is allowed
    if allowed:
        others = html[html.index('data-testid="others"') :]
        assert len(re.findall(r"data-review>", others)) == 1

    # reopened, the reviewer no longer sees the others until submitting again
    services.reopen(assignment=mine, reason="复核", actor=world["admin"])
    assert "同行的独到意见" not in page(client, f"/reviews/{mine.id}")


# -------------------------------------------------------------------------------- blind review


def test_a_blind_call_hides_the_organisation(app, make, uploads):
    world = assigned_round(make, applications_count=0, reviewers=1, blind_review=True)
    application, (plan, certificate) = with_attachments(
        world, make, kinds=(AttachmentKind.PROJECT_PLAN, AttachmentKind.REGISTRATION_CERTIFICATE)
    )
    assignment = assignment_of(world["pool"][0], application)
    client = client_for(app, world["pool"][0])
    name = application.organization.name

    html = page(client, f"/reviews/{assignment.id}")
    assert application.reference in html and name not in html
    sign(client, assignment)
    html = page(client, f"/reviews/{assignment.id}")
    assert application.reference in html and application.summary in html
    assert name not in html
    assert "陈社工" not in html  # the team's names go too
    assert "plan.pdf" not in html  # file names often carry the organisation's
    assert f"/attachments/{plan.id}" in html and f"/attachments/{certificate.id}" not in html
    response = client.get(f"/reviews/{assignment.id}/attachments/{plan.id}")
    assert response.status_code == 200 and "plan.pdf" not in response.headers["Content-Disposition"]
    page(client, f"/reviews/{assignment.id}/attachments/{certificate.id}", 404)


def test_an_open_call_shows_the_organisation(app, make):
    world = assigned_round(make, reviewers=1)
    application = world["applications"][0]
    assignment = assignment_of(world["pool"][0], application)
    client = client_for(app, world["pool"][0])
    sign(client, assignment)
    html = page(client, f"/reviews/{assignment.id}")
    assert application.organization.name in html and "陈社工" in html
