"""A closed call whose applications have chosen grant requests, review scores and suggested
amounts, for the decision and notice tests. The tests here check that the world comes out as
designed, so the other files can rely on it."""

from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser

from microventure.applications import services as applications
from microventure.applications.models import ApplicationStatus, FundingSource
from microventure.calls.models import BudgetCategory
from microventure.core.timeutil import utcnow
from microventure.decisions import notice as notice_services
from microventure.decisions import services as decisions
from microventure.extensions import db
from microventure.reviews import services as reviews
from microventure.reviews.models import Recommendation
from microventure.reviews.ranking.queries import ranking
from tests.helpers_calls import complete_content
from tests.helpers_reviews import due, eligible_round

YUAN = 100  # fen


def priced_content(call, grant: int, title: str):
    """An application asking ``grant`` fen from the call, with ¥30,000 of its own venue."""
    return replace(
        complete_content(call, title=title),
        budget_lines=[
            applications.BudgetRow(
                category=BudgetCategory.ACTIVITIES,
                item="活动物料",
                unit_price=grant,
                quantity=1,
                source=FundingSource.GRANT,
            ),
            applications.BudgetRow(
                category=BudgetCategory.VENUE,
                item="场地（自有）",
                unit_price=30_000 * YUAN,
                quantity=1,
                source=FundingSource.IN_KIND,
            ),
        ],
    )


def points(call, score: float) -> dict[int, str]:
    """Every criterion at ``score`` % of its maximum, in half points (90 → a total of 90)."""
    return {c.id: str(round(c.max_points * score / 100 * 2) / 2) for c in call.criteria}


def decision_world(
    make,
    *,
    requests,
    scores,
    suggestions=None,
    budget=100_000 * YUAN,
    reviewers=1,
    code="DW-2026",
    close=True,
    **call_overrides,
):
    """A street admin and a call of ``budget`` with one application per entry of ``requests``
    (fen), titled 项目1, 项目2, …; application i gets ``reviewers`` submitted reviews of
    ``scores[i]`` points (None: no review) suggesting ``suggestions[i][j]`` fen. The call has
    closed unless ``close`` is false."""
    world = eligible_round(
        make,
        applications_count=0,
        reviewers=reviewers,
        budget=budget,
        reviewers_per_application=reviewers,
        code=code,
        **call_overrides,
    )
    call, admin = world["call"], world["admin"]
    admin.locale = "en"  # the pages' messages in English, as the tests read them
    apps = []
    for n, grant in enumerate(requests, 1):
        owner = make.user()
        org = make.organization(street=world["street"], owner=owner)
        application = applications.start_application(call=call, organization=org, actor=owner)
        applications.save_draft(
            application=application, content=priced_content(call, grant, f"项目{n}"), actor=owner
        )
        applications.submit(application=application, actor=owner)
        applications.screen(
            application=application,
            decision=ApplicationStatus.ELIGIBLE,
            reason="",
            actor=admin,
        )
        application.owner = owner
        apps.append(application)
    for i, (application, score) in enumerate(zip(apps, scores, strict=True)):
        if score is None:
            continue
        for j, reviewer in enumerate(world["pool"][:reviewers]):
            assignment = reviews.assign(
                application=application, reviewer=reviewer, due_on=due(), actor=admin
            )
            reviews.sign_declaration(assignment=assignment, actor=reviewer)
            reviews.save_review(
                assignment=assignment,
                points=points(call, score),
                comment="",
                recommendation=Recommendation.FUND,
                suggested_amount=suggestions[i][j] if suggestions and suggestions[i] else None,
                submit=True,
                actor=reviewer,
            )
    if close:
        close_call(call)
    world["applications"] = apps
    return world


def close_call(call) -> None:
    call.opens_at = utcnow() - timedelta(days=30)
    call.closes_at = utcnow() - timedelta(hours=1)
    db.session.flush()


def publish(world, *, days_ago=0, decide=True, amounts=None):
    """Recommend the first applications (at ``amounts``, default their requests), turn down the
    rest and publish the notice ``days_ago`` days ago (30: its window is over)."""
    admin, apps = world["admin"], world["applications"]
    if decide:
        amounts = amounts or [apps[0].requested_amount]
        for application, amount in zip(apps, amounts, strict=False):
            decisions.recommend(application=application, amount=amount, actor=admin)
        for application in apps[len(amounts) :]:
            decisions.not_recommend(application=application, reason="得分较低", actor=admin)
    world["notice"] = notice_services.publish_notice(
        call=world["call"], actor=admin, now=utcnow() - timedelta(days=days_ago)
    )
    return world["notice"]


class Rows(HTMLParser):
    """Rows of the table with a ``data-testid``: each ``tr[data-reference]`` as a dict of the
    text of its elements carrying a ``data-col``, by that name (its own attributes under ``@``)."""

    VOID = {"input", "br", "img", "hr", "meta", "link"}

    def __init__(self, html: str, testid: str) -> None:
        super().__init__()
        self.testid, self.rows, self.order = testid, {}, []
        self._in, self._row, self._col, self._text, self._depth = False, None, None, [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid") == self.testid:
            self._in = True
        if not self._in or tag in self.VOID:
            return
        if self._col is not None:
            self._depth += 1
        elif tag == "tr" and "data-reference" in attrs:
            self._row = {"@": attrs}
            self.rows[attrs["data-reference"]] = self._row
            self.order.append(attrs["data-reference"])
        elif self._row is not None and attrs.get("data-col"):
            self._col, self._text, self._depth = attrs["data-col"], [], 0

    def handle_endtag(self, tag):
        if self._col is not None:
            if self._depth:
                self._depth -= 1
                return
            self._row[self._col] = " ".join("".join(self._text).split())
            self._col = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._in = False

    def handle_data(self, data):
        if self._col is not None:
            self._text.append(data)


# ----------------------------------------------------------------------- the world's own tests


def test_the_world_ranks_applications_by_their_scores(make):
    world = decision_world(
        make,
        requests=[30_000 * YUAN, 40_000 * YUAN, 10_000 * YUAN],
        scores=[70, 90, None],
        suggestions=[[20_000 * YUAN], None, None],
    )
    apps = world["applications"]
    assert [a.requested_amount for a in apps] == [30_000 * YUAN, 40_000 * YUAN, 10_000 * YUAN]
    rows = ranking(world["call"])
    assert [(r.application_id, r.aggregate) for r in rows] == [
        (apps[1].id, 90.0),
        (apps[0].id, 70.0),
        (apps[2].id, None),
    ]
    assert rows[1].suggested == [20_000 * YUAN]
    assert world["call"].closes_at < utcnow()


def test_publish_helper_opens_a_notice(make):
    world = decision_world(make, requests=[20_000 * YUAN, 20_000 * YUAN], scores=[80, 70])
    notice = publish(world)
    assert notice.is_open(utcnow())
    assert [a.status for a in world["applications"]] == [
        ApplicationStatus.RECOMMENDED,
        ApplicationStatus.NOT_RECOMMENDED,
    ]
