"""The rows of the decisions page, built in one pass.

The page shows every application of the call at once (500 and more), so its rows are built
here with str.format, each repeated label translated once per request, as the ranking page's
``table_body`` does; the template lays out the rest of the page. The page has ONE decision
form: a row's "Decide" link (``?decide=<id>#decide``) has the server render it under that
row, and static/decisions.js moves it there and fills it from the link's ``data-`` attributes
without a request. The cells must match the header in templates/decisions/index.html."""

from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from microventure.applications.models import ApplicationStatus as S
from microventure.calls.models import LineRule
from microventure.core.money import format_fen
from microventure.decisions.models import Outcome
from microventure.decisions.queries import DecisionRow, DecisionsPage
from microventure.decisions.rules import Phase

ROW = (
    '<tr id="application-{id}" data-reference="{reference}" data-funded="{funded}"{mark}>{check}'
    '<td data-col="rank">{rank}</td><td data-col="reference" class="text-nowrap">'
    '<a href="{base}{id}">{reference}</a></td><td data-col="title" class="text-break t">{title}'
    '</td><td data-col="organization" class="o">{organization}</td>'
    '<td data-col="score" class="text-end">{score}</td>'
    '<td data-col="requested" class="text-end text-nowrap">{requested}</td>'
    '<td data-col="suggested" class="text-end text-nowrap">{suggested}</td>'
    '<td data-col="proposed" class="text-end text-nowrap">{proposed}</td>'
    '<td data-col="line">{line}</td><td class="d"><div data-col="decision">{decision}</div>'
    "{decide}</td></tr>\n"
)
CHECK = (
    '<td><input class="form-check-input" type="checkbox" name="application_ids" value="{id}" '
    'form="bulk-form"{checked} aria-label="{label}"></td>'
)
DECIDE = (
    '<a class="btn btn-outline-primary btn-sm py-0 mt-1" href="{href}{id}#decide" '
    'aria-controls="decide" data-decide="{id}" data-amount="{amount}" '
    'data-conditions="{conditions}" data-reason="{reason}">{label}</a>'
)
NOTE = '<div class="small text-body-secondary">{label}: {text}</div>'
BADGE = '<span class="badge text-bg-{colour}" data-outcome="{outcome}">{label}</span>'
UNRANKED = (
    '<tr><th scope="rowgroup" colspan="{columns}" class="text-body-secondary fw-normal">'
    "{label}</th></tr>\n"
)
LINE_ROW = (
    '<tr class="table-warning" data-testid="funding-line">'
    '<td colspan="{columns}" class="fw-semibold">{text}</td></tr>\n'
)


@dataclass(frozen=True)
class Table:
    """The rows above the decision form (all of them when no row is being decided) and those
    under it, and whether any row offers a decision."""

    head: Markup
    tail: Markup
    decidable: bool


def _labels() -> dict[str, str]:
    """Every label the rows repeat, translated and escaped once."""
    text = {
        "undecided": _("Undecided"),
        "conditions": _("Conditions"),
        "reason": _("Reason"),
        "funded": _("Funded"),
        "not_funded": _("Not funded"),
        "decide": _("Decide"),
        "choose": _("Choose %(ref)s", ref="%(ref)s"),
        "withdrawn": _("Withdrawn after objection"),
        "unranked": _("Without a submitted review (not ranked)"),
        "recommended": Outcome.RECOMMENDED.title,
        "approved": S.APPROVED.title,
        "not_recommended": Outcome.NOT_RECOMMENDED.title,
    }
    return {key: str(escape(value)) for key, value in text.items()}


def _badges(label: dict[str, str]) -> dict[tuple[Outcome, S | None], str]:
    """The outcome badge by (outcome, status); None: any other status."""
    yes, no = Outcome.RECOMMENDED, Outcome.NOT_RECOMMENDED
    return {
        (yes, S.REJECTED): BADGE.format(
            colour="danger", outcome="withdrawn", label=label["withdrawn"]
        ),
        (yes, S.APPROVED): BADGE.format(
            colour="success", outcome="recommended", label=label["approved"]
        ),
        (yes, None): BADGE.format(
            colour="success", outcome="recommended", label=label["recommended"]
        ),
        (no, None): BADGE.format(
            colour="secondary", outcome="not_recommended", label=label["not_recommended"]
        ),
    }


def _decision_cell(d, status: S, label: dict[str, str], badges) -> str:
    if d is None:
        return f'<span class="text-body-secondary">{label["undecided"]}</span>'
    cell = badges.get((d.outcome, status)) or badges[(d.outcome, None)]
    if d.outcome is Outcome.RECOMMENDED:
        cell += f'<div class="text-nowrap">{format_fen(d.amount)}</div>'
    if d.conditions:
        cell += NOTE.format(label=label["conditions"], text=escape(d.conditions))
    if d.reason:
        cell += NOTE.format(label=label["reason"], text=escape(d.reason))
    return cell


@dataclass(frozen=True)
class _Rows:
    """What every row of one page is built with: the request's labels and the page's choices."""

    page: DecisionsPage
    stage: Phase
    chosen: int | None
    failed_id: int | None
    checked: set[int]
    base: str
    decide_href: str
    label: dict[str, str]
    badges: dict
    line: dict[bool, str]

    @property
    def deciding(self) -> bool:
        return self.stage is Phase.DECIDING

    @property
    def columns(self) -> int:
        return 11 if self.deciding else 10


def _decide_link(rows: _Rows, row: DecisionRow) -> str:
    if not rows.page.may_decide(row, rows.stage):
        return ""
    amount, conditions, reason = row.form_values()
    return DECIDE.format(
        href=rows.decide_href,
        id=row.application_id,
        amount=yuan_input(amount),
        conditions=escape(conditions),
        reason=escape(reason),
        label=rows.label["decide"],
    )


def _check_cell(rows: _Rows, id_: int, reference: str) -> str:
    if not rows.deciding:
        return ""
    return CHECK.format(
        id=id_,
        checked=" checked" if id_ in rows.checked else "",
        label=rows.label["choose"].replace("%(ref)s", reference),
    )


def _mark(rows: _Rows, id_: int) -> str:
    if id_ == rows.failed_id:
        return ' class="table-danger"'
    return ' class="table-active"' if id_ == rows.chosen else ""


def _row(rows: _Rows, row: DecisionRow) -> str:
    e, r, id_ = row.entry, row.entry.row, row.application_id
    reference = escape(r.reference)
    suggested = row.suggested_mean
    return ROW.format(
        id=id_,
        reference=reference,
        funded=1 if e.funded else 0,
        mark=_mark(rows, id_),
        check=_check_cell(rows, id_, reference),
        rank=row.rank or "—",
        base=rows.base,
        title=escape(r.title),
        organization=escape(r.organization),
        score="—" if r.aggregate is None else f"{r.aggregate:.2f}",
        requested=format_fen(r.requested),
        suggested="—" if suggested is None else format_fen(suggested),
        proposed=format_fen(e.amount),
        line=rows.line[e.funded],
        decision=_decision_cell(row.decision, row.status, rows.label, rows.badges),
        decide=_decide_link(rows, row),
    )


def table_body(
    page: DecisionsPage,
    stage: Phase,
    *,
    chosen: int | None,
    failed_id: int | None,
    checked: set[int],
    application_base: str,
    decide_base: str,
) -> Table:
    """The table's rows, the funding line's row among them; split after row ``chosen``, under
    which the decision form goes."""
    label = _labels()
    rows = _Rows(
        page=page,
        stage=stage,
        chosen=chosen,
        failed_id=failed_id,
        checked=checked,
        base=str(escape(application_base)),
        decide_href=str(escape(decide_base)),
        label=label,
        badges=_badges(label),
        line={
            True: f'<span class="badge text-bg-success">{label["funded"]}</span>',
            False: f'<span class="badge text-bg-light border">{label["not_funded"]}</span>',
        },
    )
    parts, split = _ranked_rows(rows)
    if page.unscored:
        parts.append(UNRANKED.format(columns=rows.columns, label=label["unranked"]))
        for row in page.unscored:
            parts.append(_row(rows, row))
            split = len(parts) if row.application_id == chosen else split
    split = len(parts) if split is None else split
    decidable = any(page.may_decide(row, stage) for row in [*page.rows, *page.unscored])
    return Table(Markup("".join(parts[:split])), Markup("".join(parts[split:])), decidable)


def _ranked_rows(rows: _Rows) -> tuple[list[str], int | None]:
    """The ranked rows with the funding line's row where it falls, and the index after the
    chosen row (None when it is not among them)."""
    page, parts, split = rows.page, [], None
    line_at = page.line_at
    line_row = LINE_ROW.format(columns=rows.columns, text=escape(_line_text(page)))
    if page.rows and not line_at and page.line.funded_count:
        parts.append(line_row)  # the first does not fit, yet some below it do (the fill rule)
    for n, row in enumerate(page.rows, 1):
        parts.append(_row(rows, row))
        if row.application_id == rows.chosen:
            split = len(parts)
        if n == line_at:
            parts.append(line_row)
    if page.rows and not page.line.funded_count:
        parts.append(line_row)
    return parts, split


def yuan_input(fen: int | None) -> str:
    """Fen as typed into an amount field: '12345.60'."""
    return "" if fen is None else format_fen(fen, symbol="").replace(",", "")


def _line_text(page: DecisionsPage) -> str:
    """What the funding line's row says: where it falls and, under the fill rule, what it funds
    below itself."""
    line = page.line
    if not line.funded_count:
        return _("Funding line: no application fits in the budget.")
    if line.rule is LineRule.FILL and line.funded_below:
        return _(
            "Funding line: %(count)s applications above it; below it, %(below)s more that still "
            "fit are funded. Together they take %(total)s; %(left)s is left.",
            count=line.line_at,
            below=line.funded_below,
            total=format_fen(line.funded_total),
            left=format_fen(line.remainder),
        )
    return _(
        "Funding line: %(count)s applications above it take %(total)s; %(left)s is left.",
        count=line.line_at,
        total=format_fen(line.funded_total),
        left=format_fen(line.remainder),
    )
