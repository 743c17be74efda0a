"""The rows of the public notice, built in one pass.

A notice lists every recommended project of the call (300 and more for a street's call), so its
rows are built here with str.format, each repeated label translated once per request, as
decisions/table.py does for the decisions page; the template lays out the rest. The cells must
match the header in templates/decisions/public_show.html."""

from flask_babel import gettext as _
from markupsafe import Markup, escape

from microventure.core.money import format_fen
from microventure.decisions.queries import NoticeProject

ROW = (
    '<tr data-reference="{reference}"{withdrawn}>'
    '<td class="text-nowrap text-body-secondary">{reference_cell}</td>'
    '<td class="title text-break" style="min-width: 8rem">{title}{badge}</td>'
    '<td data-label="{l_organization}">{organization}</td>'
    '<td data-label="{l_street}" class="text-nowrap">{street}</td>'
    '<td data-label="{l_amount}" class="text-end text-nowrap">{amount}</td></tr>\n'
)
BADGE = ' <span class="badge text-bg-danger fw-normal">{label}</span>'


def notice_rows(projects: list[NoticeProject], locale: str) -> Markup:
    """The table body: a withdrawn recommendation struck through, with its badge."""
    labels = {
        "l_organization": escape(_("Organisation")),
        "l_street": escape(_("Street")),
        "l_amount": escape(_("Amount")),
    }
    badge = BADGE.format(label=escape(_("withdrawn after objection")))
    parts = []
    for p in projects:
        struck = p.withdrawn

        def cell(value, struck=struck) -> str:
            return f"<s>{escape(value)}</s>" if struck else str(escape(value))

        parts.append(
            ROW.format(
                reference=escape(p.reference),
                withdrawn=' data-withdrawn="1"' if struck else "",
                reference_cell=cell(p.reference),
                title=cell(p.title),
                badge=badge if struck else "",
                organization=cell(p.organization),
                street=cell(p.street_name(locale)),
                amount=cell(format_fen(p.amount)),
                **labels,
            )
        )
    return Markup("".join(parts))
