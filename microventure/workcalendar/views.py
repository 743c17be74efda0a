"""The district admin's working-day calendar page: the years covered and the form to enter one."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from microventure.core.forms import perform
from microventure.core.policy import authorize
from microventure.core.timeutil import local_today
from microventure.core.workdays import is_covered
from microventure.workcalendar import queries, services
from microventure.workcalendar.forms import (
    CalendarYearForm,
    HolidayForm,
    MakeupDayForm,
    blank_row,
    entered_year_form,
    new_year_form,
)

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")


def _first_missing_year() -> int:
    year = local_today().year
    while is_covered(year):
        year += 1
    return year


@bp.get("")
@login_required
def index(form: CalendarYearForm | None = None):
    authorize(current_user, "calendar.manage")
    year = request.args.get("year", type=int)
    shown = queries.entered_year(year) if year else None
    if form is None:
        form = entered_year_form(*shown) if shown else new_year_form(year or _first_missing_year())
    return render_template(
        "calendar/index.html",
        years=queries.years_covered(),
        form=form,
        shown=shown,
        gap=queries.calendar_gap(local_today()),
        package_version=queries.package_version(),
        holiday_blank=blank_row(HolidayForm, "holidays"),
        makeup_blank=blank_row(MakeupDayForm, "makeup_days"),
    )


@bp.post("")
@login_required
def save():
    authorize(current_user, "calendar.manage")
    form = CalendarYearForm()
    if form.validate_on_submit():
        form.drop_blank_rows()
        if done := perform(
            lambda: services.set_year(schedule=form.schedule(), actor=current_user), form
        ):
            flash(
                _(
                    "The working-day calendar for %(year)s is saved; it now decides that year's "
                    "working days.",
                    year=done.value.year,
                ),
                "success",
            )
            return redirect(url_for("calendar.index", year=done.value.year))
    return index(form=form), 422
