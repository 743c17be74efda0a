"""A month calendar's entries, built in one pass.

The busiest month of a project holds a few hundred records, each drawn twice (in the week grid
and in the list shown on phones), so each day's entries are built here once, with str.format
and one status badge per status, instead of a macro, a url_for and a translated label per
record and per drawing. The markup is that of templates/projects/activities/_calendar.html."""

from datetime import date
from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from microventure.projects.models import RecordStatus

ENTRY = (
    '<a class="d-block small text-break mb-1" href="{base}{id}" data-activity="{id}">'
    '{title} <span class="text-body-secondary">· {participants}</span> {badge}</a>\n'
)
BADGE = '<span class="badge text-bg-{colour}" data-record-status="{value}">{title}</span>'
COLOURS = {"submitted": "primary", "accepted": "success", "returned": "warning"}


def badges() -> dict[RecordStatus, str]:
    """Each status's badge (the same as the record_badge macro), its label translated once."""
    return {
        status: BADGE.format(
            colour=COLOURS.get(status.value, "secondary"),
            value=status.value,
            title=escape(status.title),
        )
        for status in RecordStatus
    }


def day_entries(project_id: int, by_day: dict[date, list[Any]]) -> dict[date, Markup]:
    """Each day's records as the calendar draws them, oldest first."""
    marker = 987654321
    base = url_for("activities.detail", project_id=project_id, activity_id=marker)
    base = base[: base.rindex(str(marker))]
    badge = badges()
    return {
        day: Markup(
            "".join(
                ENTRY.format(
                    base=base,
                    id=row.id,
                    title=escape(row.title),
                    participants=row.participants,
                    badge=badge[row.status],
                )
                for row in rows
            )
        )
        for day, rows in by_day.items()
    }
