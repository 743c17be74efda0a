"""Admin pages for a call's review: assignment (by hand, by reviewer, automatic with a preview),
reassignment after a declared conflict, progress, reopening and reminders. Same blueprint as
the pool pages (``review_admin``)."""

import hashlib
import json
from collections import Counter
from datetime import date

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from microventure.accounts.models import User
from microventure.calls.models import Call
from microventure.core.errors import DomainError, RuleViolations
from microventure.core.forms import perform
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.reviews import admin_queries as queries
from microventure.reviews import services
from microventure.reviews.admin_base import (
    bp,
    get_or_none,
    managed_assignment,
    managed_call,
    page_number,
    per_page,
)
from microventure.reviews.admin_forms import (
    AssignForm,
    AutoApplyForm,
    ReassignForm,
    ReopenForm,
    default_due_on,
)
from microventure.reviews.pool import services as reviewer_pool

# --------------------------------------------------------------------------------- assignment


def _candidates(applications, on_application, members, directory, load) -> dict:
    """For each application, the pool members who may still review it: those with its domain
    as expertise first, then the least loaded, then by name; each with whether they match."""
    candidates = {}
    for application in applications:
        taken = {r.reviewer_id for r in on_application.get(application.id, ())}
        domain = application.domain.value if application.domain else None
        fitting = [
            m
            for m in members
            if m.user_id not in taken and not reviewer_pool.is_conflicted(m, application)
        ]
        fitting.sort(
            key=lambda m: (domain not in m.expertise, load[m.user_id], directory[m.user_id].name)
        )
        candidates[application.id] = [(m, domain in m.expertise) for m in fitting]
    return candidates


def _several_form(assign_form: AssignForm | None, choices, active, k: int) -> AssignForm:
    """The form that gives one reviewer several applications, ticked in a checkbox list: the
    refused one as it was sent, or a fresh one."""
    failed = assign_form is not None and assign_form.origin.data == "reviewer"
    form = assign_form if failed else AssignForm(formdata=None, origin="reviewer")
    form.application_ids.choices = [
        SelectChoice(
            value=str(c.id),
            label=f"{c.reference} · {c.title} · {c.organization} ({active[c.id]}/{k})",
        )
        for c in choices
    ]
    return form


def _board(call: Call, assign_form: AssignForm | None = None):
    """The call's assignment board: applications (a page) with their reviewers and the pool
    members each may still get, and the same by reviewer. A fixed number of queries."""
    pagination = queries.reviewable_page(call.id, page=page_number(), per_page=per_page())
    rows = queries.call_assignments(call.id)
    on_application, on_reviewer = queries.by_application(rows), queries.by_reviewer(rows)
    directory = queries.pool_directory()
    members = [m for m in reviewer_pool.members() if m.user_id in directory]
    load = Counter(r.reviewer_id for r in rows if r.status is not services.A.DECLINED)
    choices = queries.reviewable_choices(call.id)
    active = Counter(r.application_id for r in rows if r.status is not services.A.DECLINED)
    k = call.reviewers_per_application
    return render_template(
        "reviews/admin/assignments.html",
        call=call,
        pagination=pagination,
        on_application=on_application,
        on_reviewer=on_reviewer,
        reviewer_ids=list(directory) + [i for i in on_reviewer if i not in directory],
        directory=directory,
        candidates=_candidates(pagination.items, on_application, members, directory, load),
        choices=choices,
        load=load,
        active=active,
        short=sum(1 for c in choices if active[c.id] < k),
        assign_form=assign_form,
        several=_several_form(assign_form, choices, active, k),
        default_due=default_due_on(),
    )


@bp.get("/admin/calls/<int:call_id>/assignments")
@login_required
def assignments(call_id: int):
    return _board(managed_call(call_id))


def _assign_all(applications, reviewer: User, due_on: date) -> int:
    """Give ``reviewer`` every one of ``applications``, or none: each refusal is named."""
    problems: list[tuple[str | None, str]] = []
    for application in applications:
        try:
            services.assign(
                application=application, reviewer=reviewer, due_on=due_on, actor=current_user
            )
        except DomainError as exc:
            field = "due_on" if exc.field == "due_on" else "reviewer_id"
            problems.append((field, f"{application.reference}: {exc}"))
    if problems:
        raise RuleViolations(problems)
    return len(applications)


@bp.post("/admin/calls/<int:call_id>/assignments")
@login_required
def assign(call_id: int):
    call = managed_call(call_id)
    form = AssignForm()
    if form.validate_on_submit():
        chosen = queries.applications_of_call(call.id, form.application_ids.data)
        reviewer = get_or_none(User, form.reviewer_id.data)
        if not chosen:
            form.application_ids.errors = [_("Choose at least one application.")]
        elif reviewer is None:
            form.reviewer_id.errors = [_("Choose a reviewer.")]
        elif perform(lambda: _assign_all(chosen, reviewer, form.due_on.data), form):
            flash(
                ngettext(
                    "%(name)s now reviews %(num)s application.",
                    "%(name)s now reviews %(num)s applications.",
                    len(chosen),
                    name=reviewer.name,
                ),
                "success",
            )
            anchor = (
                f"application-{chosen[0].id}"
                if form.origin.data == "application"
                else "by-reviewer"
            )
            return redirect(
                url_for(
                    ".assignments",
                    call_id=call.id,
                    page=request.args.get("page", type=int),
                    _anchor=anchor,
                )
            )
    return _board(call, assign_form=form)


@bp.post("/admin/assignments/<int:assignment_id>/reassign")
@login_required
def reassign(assignment_id: int):
    """One step after a declared conflict: the planner's choice replaces the reviewer."""
    assignment = managed_assignment(assignment_id)
    form = ReassignForm()
    call = db.session.get(Call, assignment.call_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
    elif queries.active_reviewers(assignment.application_id) >= call.reviewers_per_application:
        # services.reassign would add one more each time (a double click, two admins)
        flash(_("This application already has all its reviewers."), "info")
    elif made := perform(
        lambda: services.reassign(
            assignment=assignment,
            due_on=form.due_on.data or default_due_on(),
            actor=current_user,
        )
    ):
        flash(
            _(
                "%(new)s now reviews %(ref)s in place of %(old)s.",
                new=made.value.reviewer.name,
                ref=made.value.application.reference,
                old=assignment.reviewer.name,
            ),
            "success",
        )
    return redirect(
        url_for(
            ".assignments",
            call_id=assignment.call_id,
            page=request.args.get("page", type=int),
            _anchor=f"application-{assignment.application_id}",
        )
    )


# ---------------------------------------------------------------------- automatic assignment


def _digest(planned: dict[int, list[int]]) -> str:
    """A fingerprint of a plan, so that applying refuses a plan other than the one previewed."""
    return hashlib.sha256(json.dumps(sorted(planned.items())).encode()).hexdigest()[:32]


def _preview(call: Call, form: AutoApplyForm, planned: dict[int, list[int]]):
    form.plan.data = _digest(planned)
    rows = queries.call_assignments(call.id)
    directory = queries.pool_directory()
    existing = Counter(r.reviewer_id for r in rows if r.status is not services.A.DECLINED)
    active = Counter(r.application_id for r in rows if r.status is not services.A.DECLINED)
    proposed = Counter(user_id for chosen in planned.values() for user_id in chosen)
    names = {r.reviewer_id: r.reviewer for r in rows} | {i: d.name for i, d in directory.items()}
    loads = sorted(
        (
            (names.get(user_id, f"#{user_id}"), existing[user_id], proposed[user_id])
            for user_id in set(directory) | set(existing)
        ),
        key=lambda load: (-(load[1] + load[2]), load[0]),
    )
    choices = queries.reviewable_choices(call.id)
    return render_template(
        "reviews/admin/auto_preview.html",
        call=call,
        form=form,
        planned=planned,
        choices=choices,
        directory=directory,
        names=names,
        active=active,
        loads=loads,
        unfilled=[
            c
            for c in choices
            if active[c.id] + len(planned.get(c.id, ())) < call.reviewers_per_application
        ],
    )


@bp.get("/admin/calls/<int:call_id>/assignments/auto")
@login_required
def auto_preview(call_id: int):
    """What the automatic assignment would do; nothing is written."""
    call = managed_call(call_id)
    form = AutoApplyForm(formdata=None)
    if request.args.get("due_on"):  # the date typed on the assignments page, checked
        typed = AutoApplyForm(request.args, meta={"csrf": False})
        typed.validate()
        form.due_on.data, form.due_on.raw_data = typed.due_on.data, typed.due_on.raw_data
        form.due_on.errors = typed.due_on.errors
    return _preview(call, form, services.plan(call))


@bp.post("/admin/calls/<int:call_id>/assignments/auto")
@login_required
def auto_apply(call_id: int):
    """Apply the plan the preview showed, recomputed here (it is deterministic) and checked
    against the preview's fingerprint: if anything changed meanwhile, show the new plan."""
    call = managed_call(call_id)
    form = AutoApplyForm()
    planned = services.plan(call)
    if not form.validate_on_submit():
        return _preview(call, form, planned)
    if form.plan.data != _digest(planned):
        flash(
            _("The assignments changed since the preview. Check the new proposal and apply it."),
            "warning",
        )
        return redirect(
            url_for(".auto_preview", call_id=call.id, due_on=form.due_on.data.isoformat())
        )
    if not planned:
        flash(_("Nothing to assign: no application is waiting for a free reviewer."), "info")
        return redirect(url_for(".assignments", call_id=call.id))
    if made := perform(
        lambda: services.apply_plan(
            call=call, planned=planned, due_on=form.due_on.data, actor=current_user
        )
    ):
        flash(
            ngettext("%(num)s assignment made.", "%(num)s assignments made.", made.value),
            "success",
        )
        return redirect(url_for(".assignments", call_id=call.id))
    return redirect(url_for(".auto_preview", call_id=call.id))


# ----------------------------------------------------------------------------------- progress


def _progress_page(
    call: Call, reopen_form: ReopenForm | None = None, reopen_for: int | None = None
):
    rows = queries.progress(call.id, local_today())
    totals = {
        key: sum(getattr(r, key) for r in rows)
        for key in ("assigned", "submitted", "outstanding", "overdue", "declined")
    }
    last_activity = {
        r.reviewer_id: max(filter(None, (r.last_declared, r.last_saved)), default=None)
        for r in rows
    }
    return render_template(
        "reviews/admin/progress.html",
        call=call,
        rows=rows,
        totals=totals,
        last_activity=last_activity,
        reminders=queries.last_reminders(call.id),
        submitted=queries.submitted_page(call.id, page=page_number(), per_page=per_page()),
        reopen_form=reopen_form,
        reopen_for=reopen_for,
    )


@bp.get("/admin/calls/<int:call_id>/review-progress")
@login_required
def progress(call_id: int):
    return _progress_page(managed_call(call_id))


@bp.post("/admin/assignments/<int:assignment_id>/reopen")
@login_required
def reopen(assignment_id: int):
    assignment = managed_assignment(assignment_id)
    form = ReopenForm()
    if form.validate_on_submit() and perform(
        lambda: services.reopen(assignment=assignment, actor=current_user, reason=form.reason.data),
        form,
    ):
        flash(
            _(
                "The review is reopened: %(name)s can change it and submit it again.",
                name=assignment.reviewer.name,
            ),
            "success",
        )
        return redirect(
            url_for(
                ".progress", call_id=assignment.call_id, page=request.args.get("page", type=int)
            )
        )
    return _progress_page(
        db.session.get(Call, assignment.call_id), reopen_form=form, reopen_for=assignment.id
    )


@bp.post("/admin/calls/<int:call_id>/reviewers/<int:user_id>/remind")
@login_required
def remind(call_id: int, user_id: int):
    call = managed_call(call_id)
    reviewer = db.session.get(User, user_id) or abort(404)
    work = queries.outstanding_of(call.id, reviewer.id, local_today())
    if not work.assigned:
        abort(404)
    if not work.outstanding:
        flash(_("%(name)s has nothing outstanding in this call.", name=reviewer.name), "info")
    elif perform(
        lambda: services.remind(
            call=call,
            reviewer=reviewer,
            outstanding=work.outstanding,
            overdue=work.overdue,
            actor=current_user,
        )
    ):
        flash(_("A reminder has been sent to %(name)s.", name=reviewer.name), "info")
    return redirect(url_for(".progress", call_id=call.id, _anchor=f"reviewer-{reviewer.id}"))
