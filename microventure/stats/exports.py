"""The Excel exports of the results (dashboard figures, a call's applications, its notice list,
the project ledger, activity records), all in the office layout of ``core.sheets``."""

from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook

from microventure.calls.models import Call, QuestionKind
from microventure.core import sheets
from microventure.core.i18n import current_language
from microventure.core.sheets import (
    COUNT,
    DATE,
    DATETIME,
    HOURS,
    MONEY,
    PERCENT,
    SUM,
    TWO,
    Col,
)
from microventure.core.timeutil import format_local, utcnow
from microventure.decisions.queries import NoticeProject
from microventure.projects.models import TrancheStatus
from microventure.reviews.ranking.queries import RankRow
from microventure.stats import tables
from microventure.stats.board import Dashboard
from microventure.stats.queries import Measures

KINDS = {tables.COUNT: COUNT, tables.MONEY: MONEY, tables.RATE: PERCENT, tables.HOURS: HOURS}


def _street(row) -> str:
    return row.street if current_language() == "zh_CN" else row.street_en


def _exported() -> str:
    return _("Exported %(at)s (Beijing time)", at=format_local(utcnow()))


def describe(board: Dashboard) -> str:
    """What the figures cover: the streets and filters, and when they were exported."""
    locale, f = current_language(), board.scope.filters
    if board.scope.streets is None:
        parts = [_("All streets and the district")]
    else:
        parts = [
            "、".join(tables.row_label(board, "street", s, locale) for s in board.scope.streets)
        ]
    if f.year:
        parts.append(_("Year %(year)s", year=f.year))
    if f.call:
        parts.append(tables.row_label(board, "call", f.call, locale))
    if f.domain:
        parts.append(f.domain.title)
    parts.append(_("activities: accepted records only"))
    return " · ".join([*parts, _exported()])


def dashboard(board: Dashboard) -> Workbook:
    """A sheet per dimension (street, call, domain, month) with the page's columns and totals."""
    book, locale = sheets.new_workbook(), current_language()
    for dim, title in tables.DIMENSION_TITLES.items():
        groups = [g for g in (*tables.GROUPS, tables.FUNDS) if dim in g.dims]
        columns = [
            Col(
                str(title),
                lambda item, d=dim: tables.row_label(board, d, item[0], locale),
                width=28,
                total="",
            )
        ]
        for group in groups:
            total = tables.total(board, group)
            columns += [
                Col(
                    _header(group, c),
                    lambda item, c=c: c.value(item[1]),
                    KINDS[c.kind],
                    14,
                    c.value(total),
                )
                for c in group.columns
            ]
        sheets.add_sheet(
            book,
            name=str(title),
            title=_("Micro-venture results") + f" · {title}",
            subtitle=describe(board),
            columns=columns,
            rows=_rows(board, dim),
        )
    return book


def _header(group: tables.Group, column: tables.Column) -> str:
    # amounts and fund figures share words with the counts ("Approved", "Disbursed"): one
    # sheet holds them all, so their group names them
    if group.key in ("money", "funds"):
        return f"{group.title} · {column.label}"
    return str(column.label)


def _rows(board: Dashboard, dim: str) -> list:
    rows = tables.rows(board, dim, tables.GROUPS[0])
    if dim != "street":
        return rows
    # a street's figures and its funds on one row; the district's own funds on a row of theirs
    known = {key for key, _row in rows}
    rows += [(k, Measures()) for k in board.funds_by_street if k not in known]
    merged = [(k, Measures(row)) for k, row in rows]
    for k, row in merged:
        row.update(board.funds_by_street.get(k, {}))
    return merged


QUESTION_KINDS = {QuestionKind.MONEY: MONEY, QuestionKind.NUMBER: TWO, QuestionKind.DATE: DATE}


def question_columns(call: Call, answers: dict[int, dict[int, Any]]) -> list[Col]:
    """A column for each of the call's own questions, after the fixed ones."""
    return [
        Col(
            _question_header(q),
            lambda r, qid=q.id: answers.get(r.id, {}).get(qid),
            QUESTION_KINDS.get(q.kind, sheets.TEXT),
            18,
            wrap=q.kind is QuestionKind.LONG_TEXT,
        )
        for q in call.questions
    ]


def _question_header(question) -> str:
    label = question.label_in(current_language())
    if question.kind is QuestionKind.MONEY:
        return _("%(question)s (yuan)", question=label)
    return f"{label}（{question.unit}）" if question.unit else label


def call_applications(
    call: Call, rows: list, ranked: dict[int, RankRow], answers: dict | None = None
) -> Workbook:
    answers = answers or {}
    book = sheets.new_workbook()
    columns = [
        Col(_("Reference"), lambda r: r.reference, width=18),
        Col(_("Project"), lambda r: r.title, width=30, wrap=True),
        Col(_("Organisation"), lambda r: r.organization, width=26),
        Col(_("Street / town"), _street, width=10),
        Col(_("Service domain"), lambda r: r.domain.title if r.domain else "", width=12),
        Col(_("Submitted at"), lambda r: r.submitted_at, DATETIME, 17),
        Col(_("Grant requested (yuan)"), lambda r: r.requested, MONEY, 14, SUM),
        Col(_("Status"), lambda r: r.status.title, width=12),
        Col(_("Screening reason"), lambda r: r.screening_reason or "", width=24, wrap=True),
        Col(_("Reviews"), lambda r: _rank(ranked, r, "reviews"), COUNT, 8, SUM),
        Col(_("Score"), lambda r: _rank(ranked, r, "aggregate"), TWO, 10),
        Col(_("Recommended (yuan)"), lambda r: r.recommended, MONEY, 14, SUM),
        *question_columns(call, answers),
    ]
    sheets.add_sheet(
        book,
        name=_("Applications"),
        title=_("%(call)s: applications", call=call.title),
        subtitle=f"{call.code} · {_exported()}",
        columns=columns,
        rows=rows,
        freeze_columns=2,
    )
    return book


def _rank(ranked: dict[int, RankRow], row, attribute: str):
    found = ranked.get(row.id)
    return getattr(found, attribute) if found else None


def notice_list(call: Call, rows: list[NoticeProject]) -> Workbook:
    book, locale = sheets.new_workbook(), current_language()
    columns = [
        Col(_("Reference"), lambda r: r.reference, width=18),
        Col(_("Project"), lambda r: r.title, width=30, wrap=True),
        Col(_("Organisation"), lambda r: r.organization, width=26),
        Col(_("Street / town"), lambda r: r.street_name(locale), width=10),
        Col(_("Grant (yuan)"), lambda r: r.amount, MONEY, 14, SUM),
        Col(_("Status"), lambda r: r.status.title, width=14),
        Col(_("Conditions"), lambda r: r.conditions, width=24, wrap=True),
    ]
    sheets.add_sheet(
        book,
        name=_("Public notice"),
        title=_("%(call)s: public notice", call=call.title),
        subtitle=f"{call.code} · {_exported()}",
        columns=columns,
        rows=rows,
        freeze_columns=2,
    )
    return book


def _project_columns() -> list[Col]:
    return [
        Col(_("Agreement number"), lambda r: r.agreement_number, width=20),
        Col(_("Project"), lambda r: r.title, width=28, wrap=True),
        Col(_("Organisation"), lambda r: r.organization, width=24),
        Col(_("Street / town"), _street, width=10),
    ]


def ledger(projects: list, tranches: list, *, progress=None) -> Workbook:
    """The project ledger: a project per row (grant, paid, returned, still to pay), then every
    tranche with its payment."""
    book, common = sheets.new_workbook(), _project_columns()
    sheets.add_sheet(
        book,
        name=_("Projects"),
        title=_("Project ledger"),
        subtitle=_exported(),
        columns=[
            *common,
            Col(_("Status"), lambda r: r.status.title, width=10),
            Col(_("Signed on"), lambda r: r.signed_on, DATE, 12),
            Col(_("Grant (yuan)"), lambda r: r.amount, MONEY, 14, SUM),
            Col(_("Disbursed (yuan)"), lambda r: r.paid, MONEY, 14, SUM),
            Col(_("Returned to the fund (yuan)"), lambda r: r.returned, MONEY, 14, SUM),
            Col(_("Still to pay (yuan)"), lambda r: r.amount - r.paid - r.returned, MONEY, 14, SUM),
        ],
        rows=projects,
        freeze_columns=2,
    )
    paid = TrancheStatus.PAID
    sheets.add_sheet(
        book,
        name=_("Tranches"),
        title=_("Tranches and payments"),
        subtitle=_exported(),
        columns=[
            *common,
            Col(_("Tranche"), lambda r: r.position + 1, COUNT, 8),
            Col(_("Share"), lambda r: r.percent / 100, PERCENT, 8),
            Col(_("When due"), lambda r: r.trigger.title, width=18),
            Col(_("Amount (yuan)"), lambda r: r.tranche_amount, MONEY, 14, SUM),
            Col(_("Status"), lambda r: r.tranche_status.title, width=12),
            Col(_("Due since"), lambda r: r.due_since, DATETIME, 17),
            Col(_("Paid on"), lambda r: r.paid_on, DATE, 12),
            Col(
                _("Paid (yuan)"),
                lambda r: r.tranche_amount if r.tranche_status is paid else None,
                MONEY,
                14,
                SUM,
            ),
            Col(_("Bank or voucher reference"), lambda r: r.payment_reference or "", width=18),
        ],
        rows=tranches,
        freeze_columns=2,
        progress=progress,
    )
    return book


def activities(rows: list, *, progress=None) -> Workbook:
    book = sheets.new_workbook()
    columns = [
        Col(_("Held on"), lambda r: r.held_on, DATE, 12),
        Col(_("Activity"), lambda r: r.title, width=26, wrap=True),
        Col(_("Agreement number"), lambda r: r.agreement_number, width=20),
        Col(_("Organisation"), lambda r: r.organization, width=24),
        Col(_("Street / town"), _street, width=10),
        Col(_("Community"), lambda r: r.community or "", width=12),
        Col(_("Service domain"), lambda r: r.domain.title, width=12),
        Col(_("Participants (person-times)"), lambda r: r.participants, COUNT, 10, SUM),
        Col(
            _("Verified participants (checked in)"),
            lambda r: r.verified_participants,
            COUNT,
            10,
            SUM,
        ),
        Col(_("Volunteers"), lambda r: r.volunteers, COUNT, 10, SUM),
        Col(_("Volunteer hours"), lambda r: r.volunteer_hours, HOURS, 10, SUM),
        Col(_("Community problems solved"), lambda r: r.problems_solved, COUNT, 10, SUM),
        Col(_("Accepted"), lambda r: r.reviewed_at, DATETIME, 17),
    ]
    sheets.add_sheet(
        book,
        name=_("Activity records"),
        title=_("Activity records (accepted)"),
        subtitle=_exported(),
        columns=columns,
        rows=rows,
        freeze_columns=2,
        progress=progress,
    )
    return book
