"""The ranking page and its Excel export: order, sorting, flags, the normalised figure, access,
and a query count that does not grow with the call."""

import io
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from microventure.accounts.models import Role
from microventure.extensions import db
from microventure.reviews import services
from microventure.reviews.models import Assignment, Recommendation
from microventure.reviews.ranking.queries import ranking
from tests.helpers_reviews import due, eligible_round


class Table(HTMLParser):
    """The ranking table as header keys (each header ``th``'s data-col) and rows of cell texts
    (a row's ``th`` too: the reference and title), keyed by the row's data-reference; and what
    each row's scores cell lists when opened: ``reviewer:<id>`` → "name total", then
    ``criterion:<n>`` → "name /max mean" for the rubric's n-th criterion (from 0)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.keys: list[str] = []
        self.rows: dict[str, list[str]] = {}
        self.items: dict[str, dict[str, str]] = {}
        self.order: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._item: tuple[str, list[str]] | None = None
        self._list: str | None = None
        self._in_table = False
        self._in_head = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "ranking":
            self._in_table = True
        if not self._in_table:
            return
        if tag == "thead":
            self._in_head = True
        elif tag == "th" and self._in_head:
            self.keys.append(attrs["data-col"])
        elif tag == "tr" and "data-reference" in attrs:
            self._row = []
            self.order.append(attrs["data-reference"])
            self.rows[attrs["data-reference"]] = self._row
            self.items[attrs["data-reference"]] = {}
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "ul" and self._row is not None:
            self._list = attrs.get("class")
        elif tag == "li" and "data-reviewer" in attrs:
            self._item = (f"reviewer:{attrs['data-reviewer']}", [])
        elif tag == "li" and self._list == "cm":  # the criteria, in rubric order: 0, 1, …
            seen = [k for k in self.items[self.order[-1]] if k.startswith("criterion:")]
            self._item = (f"criterion:{len(seen)}", [])

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "li" and self._item is not None:
            key, text = self._item
            self.items[self.order[-1]][key] = " ".join("".join(text).split())
            self._item = None
        elif tag == "table":
            self._in_table = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._item is not None:
            self._item[1].append(data)

    def cell(self, reference: str, key: str) -> str:
        return self.rows[reference][self.keys.index(key)]

    def column(self, key: str) -> list[str]:
        return [self.cell(ref, key) for ref in self.order]


def half(value: float) -> str:
    return str(round(value * 2) / 2)


def scored_round(make, *, applications=4, pool=3, scales=None, **call_overrides):
    """A call whose every application has 3 submitted reviews. ``scales[i]`` gives application
    i's three reviewers (in reviewer-id order) a fraction of each criterion's maximum."""
    world = eligible_round(
        make,
        applications_count=applications,
        reviewers=pool,
        reviewers_per_application=3,
        **call_overrides,
    )
    call, admin = world["call"], world["admin"]
    for n, reviewer in enumerate(world["pool"], 1):
        reviewer.name = f"专家{n:02d}"
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=admin)
    scales = scales or [
        (0.9 - 0.04 * i, 0.85 - 0.04 * i, 0.8 - 0.04 * i) for i in range(applications)
    ]
    for application, triple in zip(world["applications"], scales, strict=True):
        assignments = db.session.scalars(
            db.select(Assignment)
            .where(Assignment.application_id == application.id)
            .order_by(Assignment.reviewer_id)
        ).all()
        for assignment, scale in zip(assignments, triple, strict=True):
            submit(assignment, call, scale)
    world["admin"].locale = "en"
    return world


def submit(assignment, call, scale, *, suggested=None, recommendation=Recommendation.FUND):
    services.sign_declaration(assignment=assignment, actor=assignment.reviewer)
    services.save_review(
        assignment=assignment,
        points={c.id: half(c.max_points * scale) for c in call.criteria},
        comment="",
        recommendation=recommendation,
        suggested_amount=suggested,
        submit=True,
        actor=assignment.reviewer,
    )


def page(client, call, **args):
    response = client.get(f"/admin/calls/{call.id}/ranking", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_ranking_lists_applications_best_first_with_every_figure(client, make, login_as):
    # the third application is split: 95, 90, 40 points → spread 55 > threshold 20
    scales = [(0.7, 0.7, 0.7), (0.8, 0.85, 0.8), (0.95, 0.9, 0.4), (0.5, 0.55, 0.5)]
    world = scored_round(make, applications=4, scales=scales)
    call = world["call"]
    apps = world["applications"]
    reviewer = world["pool"][0]
    apps[1].title = "<b>长者</b>课堂"  # escaped, not markup
    login_as(world["admin"])
    html = page(client, call)
    table = Table(html)

    expected = [r.reference for r in ranking(call)]
    assert table.order == [
        apps[1].reference,
        apps[2].reference,
        apps[0].reference,
        apps[3].reference,
    ]
    assert table.order == expected
    # the figures that decide come first, the reviewers' own totals last, in one cell
    assert table.keys == [
        "rank",
        "reference",
        "aggregate",
        "normalised",
        "spread",
        "stdev",
        "recommendations",
        "suggested",
        "requested",
        "reviews",
        "scores",
    ]
    assert table.column("rank") == ["1", "2", "3", "4"]
    first = apps[1].reference
    assert table.cell(first, "reference") == f"{first} <b>长者</b>课堂 {apps[1].organization.name}"
    assert table.cell(first, "aggregate") == "81.67"  # (80 + 85 + 80) / 3
    assert table.cell(first, "requested") == "¥25,000.00"
    assert table.cell(first, "reviews") == "3/3"
    assert table.cell(first, "recommendations") == "Fund it 3"
    assert table.cell(first, "scores").startswith("80 · 85 · 80 ")  # the summary, closed
    assert table.items[first][f"reviewer:{reviewer.id}"] == "专家01 80"
    assert "&lt;b&gt;长者&lt;/b&gt;课堂" in html
    # the split row carries the flag, the others do not
    assert table.cell(apps[2].reference, "spread") == "55 Disagreement"
    assert table.cell(apps[1].reference, "spread") == "5"
    assert html.count('data-testid="disagreement"') == 1
    # each criterion's mean, listed in the same cell: 需求分析 (20) = (16 + 17 + 16) / 3
    first_criterion = call.criteria[0]
    assert table.items[first]["criterion:0"] == f"{first_criterion.name} /20 16.33"
    # … and sortable from the sort menu (no column of its own)
    assert f'<option value="-criterion_{first_criterion.id}">{first_criterion.name} /20 ↓' in html
    assert '<option value="-aggregate" selected>' in html
    # progress and method
    assert 'data-testid="reviews-done">12 / 12<' in html
    assert 'data-testid="applications-done">4 / 4<' in html
    assert '<span data-testid="method">Mean</span>' in html
    # nobody has five reviews: no normalised figure anywhere
    assert set(table.column("normalised")) == {""}


def test_progress_counts_reviews_still_out(client, make, login_as):
    world = eligible_round(make, applications_count=2, reviewers=3, reviewers_per_application=3)
    call = world["call"]
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=world["admin"])
    one = db.session.scalars(db.select(Assignment).order_by(Assignment.id)).first()
    submit(one, call, 0.8, suggested=12_000_00)
    login_as(world["admin"])
    html = page(client, call)
    table = Table(html)
    assert 'data-testid="reviews-done">1 / 6<' in html
    assert 'data-testid="applications-done">0 / 2<' in html
    assert table.order[0] == one.application.reference
    assert table.cell(one.application.reference, "reviews") == "1/3"
    assert table.cell(one.application.reference, "suggested") == "¥12,000.00 1 人中 1 人建议"
    unreviewed = table.order[1]
    assert table.cell(unreviewed, "aggregate") == "" and table.cell(unreviewed, "reviews") == "0/3"


def test_suggested_amounts_show_their_mean_and_how_many_suggested_one(client, make, login_as):
    world = eligible_round(make, applications_count=2, reviewers=3, reviewers_per_application=3)
    call = world["call"]
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=world["admin"])
    assignments = db.session.scalars(db.select(Assignment).order_by(Assignment.id)).all()
    first = assignments[0].application
    mine = [a for a in assignments if a.application_id == first.id]
    others = [a for a in assignments if a.application_id != first.id]
    submit(mine[0], call, 0.9, suggested=20_000_00)
    submit(mine[1], call, 0.8, suggested=15_000_00, recommendation=Recommendation.FUND_WITH_CHANGES)
    submit(mine[2], call, 0.5, recommendation=Recommendation.DO_NOT_FUND)  # no amount
    for assignment in others:
        submit(assignment, call, 0.7)
    world["admin"].locale = "en"
    login_as(world["admin"])
    table = Table(page(client, call))
    assert table.cell(first.reference, "suggested") == "¥17,500.00 2 of 3 suggested"
    assert table.cell(first.reference, "recommendations") == (
        "Fund it 1 Fund with changes 1 Do not fund 1"
    )
    (other,) = set(table.order) - {first.reference}
    assert table.cell(other, "suggested") == "— 0 of 3 suggested"
    assert table.cell(other, "recommendations") == "Fund it 3"
    client.get("/?lang=zh_CN")
    chinese = Table(page(client, call))
    assert chinese.cell(first.reference, "suggested") == "¥17,500.00 3 人中 2 人建议"


def test_sorting_by_spread_reference_criterion_and_back(client, make, login_as):
    scales = [(0.7, 0.7, 0.7), (0.8, 0.85, 0.8), (0.95, 0.9, 0.4), (0.5, 0.55, 0.9)]
    world = scored_round(make, applications=4, scales=scales)
    call, apps = world["call"], world["applications"]
    refs = [a.reference for a in apps]
    login_as(world["admin"])

    by_spread = Table(page(client, call, sort="-spread"))
    assert by_spread.order == [refs[2], refs[3], refs[1], refs[0]]  # 55, 40, 5, 0
    assert by_spread.column("rank") == ["1", "2", "3", "4"]  # 序号 follows the sort
    assert Table(page(client, call, sort="spread")).order == [refs[0], refs[1], refs[3], refs[2]]
    assert Table(page(client, call, sort="reference")).order == sorted(refs)
    assert Table(page(client, call, sort="-reference")).order == sorted(refs, reverse=True)
    assert Table(page(client, call, sort="requested")).order == [  # all equal: ranking order
        refs[1],
        refs[2],
        refs[0],
        refs[3],
    ]
    last = call.criteria[-1]  # 可持续性 (5): means 3.5, 4, 3.83, 3.33
    by_criterion = Table(page(client, call, sort=f"criterion_{last.id}"))
    assert by_criterion.order == [refs[3], refs[0], refs[2], refs[1]]
    # an unknown key falls back to the default, best aggregate first
    assert Table(page(client, call, sort="password")).order == [r.reference for r in ranking(call)]

    html = page(client, call, sort="-spread")
    assert f'href="/admin/calls/{call.id}/ranking?sort=spread"' in html  # click again: ascending
    assert f'href="/admin/calls/{call.id}/ranking?sort=reference"' in html  # opens ascending
    assert f'href="/admin/calls/{call.id}/ranking?sort=-aggregate"' in html  # opens best first


def test_rows_without_the_figure_sort_last_both_ways(client, make, login_as):
    world = eligible_round(make, applications_count=3, reviewers=3, reviewers_per_application=3)
    call = world["call"]
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=world["admin"])
    assignments = db.session.scalars(db.select(Assignment).order_by(Assignment.id)).all()
    reviewed = {assignments[0].application_id, assignments[-1].application_id}
    submit(assignments[0], call, 0.9)
    submit(assignments[-1], call, 0.5)
    login_as(world["admin"])
    refs = {a.id: a.reference for a in world["applications"]}
    (bare,) = set(refs) - reviewed
    for sort in ("aggregate", "-aggregate", "stdev", "-stdev"):
        assert Table(page(client, call, sort=sort)).order[-1] == refs[bare]


def test_normalised_figure_only_where_every_reviewer_has_five_reviews(client, make, login_as):
    # 6 applications × 3 reviewers from a pool of 3: each reviewer scores all six
    scales = [(0.9, 0.8, 0.7), (0.8, 0.7, 0.6), (0.7, 0.6, 0.5), (0.6, 0.5, 0.9)]
    scales += [(0.5, 0.9, 0.8), (0.4, 0.4, 0.4)]
    world = scored_round(make, applications=6, scales=scales)
    call = world["call"]
    login_as(world["admin"])
    table = Table(page(client, call))
    rows = {r.reference: r for r in ranking(call)}
    for reference in table.order:
        assert rows[reference].normalised is not None
        assert table.cell(reference, "normalised") == f"{rows[reference].normalised:+.2f}"
    assert Table(page(client, call, sort="-normalised")).order == sorted(
        rows, key=lambda ref: -rows[ref].normalised
    )


def test_no_normalised_figure_when_a_reviewer_has_fewer_than_five(client, make, login_as):
    # 6 applications, pool of 4: loads 5, 5, 4, 4, so every application has a reviewer with
    # only 4 reviews and none shows the figure
    world = scored_round(make, applications=6, pool=4)
    call = world["call"]
    login_as(world["admin"])
    table = Table(page(client, call))
    loads = {}
    for a in db.session.scalars(db.select(Assignment).where(Assignment.call_id == call.id)):
        loads[a.reviewer_id] = loads.get(a.reviewer_id, 0) + 1
    assert sorted(loads.values()) == [4, 4, 5, 5]
    for row in ranking(call):
        assert any(loads[r] < 5 for r in row.totals)
        assert row.normalised is None
        assert table.cell(row.reference, "normalised") == ""


def test_export_is_the_office_sheet(client, make, login_as):
    scales = [(0.7, 0.7, 0.7), (0.8, 0.85, 0.8), (0.95, 0.9, 0.4)]
    world = scored_round(make, applications=3, scales=scales)
    call, apps = world["call"], world["applications"]
    world["admin"].locale = "zh_CN"
    reviewer = world["pool"][1]
    login_as(world["admin"])
    response = client.get(f"/admin/calls/{call.id}/ranking.xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = unquote(response.headers["Content-Disposition"])
    assert disposition.startswith("attachment") and "NC-2026-MCT-ranking.xlsx" in disposition

    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == f"{call.title} 评审排名"
    assert sheet["A1"].font.bold
    assert any(str(r).startswith("A1:") for r in sheet.merged_cells.ranges)
    header = [c.value for c in sheet[2]]
    assert header[:5] == ["序号", "申报编号", "项目名称", "申报机构", "申请金额（元）"]
    assert "标准分" in header and "极差" in header and "分歧" in header
    assert any(h.startswith("综合得分") for h in header)
    assert sheet.freeze_panes == "C3"
    data = list(sheet.iter_rows(min_row=3, max_row=5, values_only=True))
    assert [row[0] for row in data] == [1, 2, 3]
    assert [row[1] for row in data] == [apps[1].reference, apps[2].reference, apps[0].reference]
    column = header.index(reviewer.name)
    assert [row[column] for row in data] == [85, 90, 70]  # 专家02's totals, row by row
    assert float(data[0][4]) == 25000 and sheet.cell(3, 5).number_format == "#,##0.00"
    assert data[1][header.index("分歧")] == "是" and data[0][header.index("分歧")] is None
    assert sheet.cell(6, 1).value == "合计" and float(sheet.cell(6, 5).value) == 75000

    # the same sort as the page when asked, and English headers for an English user
    client.get("/?lang=en")
    by_reference = load_workbook(
        io.BytesIO(client.get(f"/admin/calls/{call.id}/ranking.xlsx?sort=reference").data)
    ).active
    assert by_reference["A2"].value == "No."
    assert [by_reference.cell(r, 2).value for r in (3, 4, 5)] == sorted(a.reference for a in apps)


@pytest.mark.parametrize("suffix", ["ranking", "ranking.xlsx"])
def test_only_the_calls_admins_see_the_ranking(client, make, login_as, suffix):
    world = scored_round(make, applications=1, scales=[(0.5, 0.6, 0.7)])
    call = world["call"]
    url = f"/admin/calls/{call.id}/{suffix}"
    other_street = make.street()
    outsider = make.user(role=Role.STREET_ADMIN, street=other_street)
    login_as(outsider)
    assert client.get(url).status_code == 404
    login_as(world["pool"][0])  # a reviewer of the call
    assert client.get(url).status_code == 404
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    assert client.get(url).status_code == 200
    assert client.get(f"/admin/calls/{call.id + 999}/{suffix}").status_code == 404


def test_query_count_does_not_grow_with_the_call(client, make, login_as, count_queries):
    small = scored_round(make, applications=3, code="SMALL-2026")
    big = scored_round(make, applications=12, pool=5, code="BIG-2026")
    counts = []
    for world in (small, big):
        login_as(world["admin"])
        page(client, world["call"])  # warm: the first request of a login may write
        with count_queries() as queries:
            html = page(client, world["call"], sort="-spread")
        assert len(Table(html).order) == len(world["applications"])
        counts.append(queries.count)
    assert counts[0] == counts[1], queries.statements
    assert counts[1] <= 15
