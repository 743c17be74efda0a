"""Admin pages for review: the reviewer pool and its Excel import, assignment, progress, reopening.

The pool is the district's (``reviewer.pool``); a call's pages belong to whoever manages the
call (``review.manage``: district admins, and street admins for their street's calls)."""

import hashlib
import io
import json
from collections import Counter
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from microventure.accounts import services as accounts
from microventure.accounts.models import Organization, Street, User
from microventure.accounts.queries import street_choices
from microventure.calls.models import Call
from microventure.core import audit
from microventure.core.errors import DomainError, RuleViolations
from microventure.core.forms import perform
from microventure.core.i18n import current_language
from microventure.core.policy import authorize
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.reviews import admin_queries as queries
from microventure.reviews import excel_import, services
from microventure.reviews.admin_forms import (
    AssignForm,
    AutoApplyForm,
    ConflictForm,
    ImportForm,
    ReassignForm,
    ReopenForm,
    ReviewerEditForm,
    ReviewerForm,
    default_due_on,
)
from microventure.reviews.models import Assignment, ReviewerProfile

bp = Blueprint("review_admin", __name__)


def _page() -> int:
    return max(request.args.get("page", 1, type=int), 1)


def _per_page() -> int:
    return current_app.config["ITEMS_PER_PAGE"]


def _get(model, ident: int | None):
    return db.session.get(model, ident) if ident else None


def _managed_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id) or abort(404)
    authorize(current_user, "review.manage", call, hide=True)
    return call


def _managed_assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id) or abort(404)
    authorize(current_user, "review.manage", db.session.get(Call, assignment.call_id), hide=True)
    return assignment


@bp.context_processor
def _helpers() -> dict:
    return {"domains_of": queries.domains_of, "today": local_today()}


# ----------------------------------------------------------------------------------- the pool


@bp.get("/admin/reviewers")
@login_required
def pool():
    authorize(current_user, "reviewer.pool")
    search = (request.args.get("q") or "").strip() or None
    state = (
        request.args.get("state") if request.args.get("state") in ("active", "inactive") else None
    )
    pagination = queries.pool_page(search=search, state=state, page=_page(), per_page=_per_page())
    return render_template("reviews/admin/pool.html", pagination=pagination, q=search, state=state)


def _offer_choices(form, organizations: list[tuple]) -> None:
    form.organization_id.choices = organizations
    form.street_id.choices = street_choices(blank="—")


@bp.route("/admin/reviewers/new", methods=["GET", "POST"])
@login_required
def add():
    authorize(current_user, "reviewer.pool")
    form = ReviewerForm()
    _offer_choices(form, queries.organization_choices("—"))
    added: list[ReviewerProfile] = []
    if form.validate_on_submit():
        existing = queries.account_exists(form.email.data)
        if perform(
            lambda: added.append(
                services.add_reviewer(
                    email=form.email.data,
                    name=form.name.data,
                    expertise=form.domains(),
                    affiliation=form.affiliation.data or "",
                    organization=_get(Organization, form.organization_id.data),
                    street=_get(Street, form.street_id.data),
                    mobile=form.mobile.data or None,
                    password=form.password.data or "",
                    actor=current_user,
                )
            ),
            form,
        ):
            flash(_("%(name)s is in the reviewer pool.", name=added[0].user.name), "success")
            if existing:
                flash(
                    _("They already had an account: its name, mobile and password are unchanged."),
                    "info",
                )
            return redirect(url_for(".edit", profile_id=added[0].id))
    return render_template("reviews/admin/reviewer_form.html", form=form, profile=None)


def _edit_page(profile, form=None, conflict_form=None):
    organizations = queries.organization_choices("—", keep=profile.organization_id)
    if form is None:
        form = ReviewerEditForm(
            formdata=None,
            name=profile.user.name,
            mobile=profile.user.mobile,
            expertise=list(profile.expertise or ()),
            affiliation=profile.affiliation,
            organization_id=profile.organization_id,
            street_id=profile.street_id,
            active=profile.active,
        )
    _offer_choices(form, organizations)
    conflict_form = conflict_form or ConflictForm(formdata=None)
    conflict_form.organization_id.choices = organizations
    return render_template(
        "reviews/admin/reviewer_form.html",
        form=form,
        profile=profile,
        conflict_form=conflict_form,
        conflicts=queries.declared_conflicts(profile.user_id),
        events=audit.timeline(profile.user, limit=50),
    )


def _pool_profile(profile_id: int) -> ReviewerProfile:
    authorize(current_user, "reviewer.pool")
    return queries.profile(profile_id) or abort(404)


@bp.route("/admin/reviewers/<int:profile_id>", methods=["GET", "POST"])
@login_required
def edit(profile_id: int):
    profile = _pool_profile(profile_id)
    if request.method == "GET":
        return _edit_page(profile)
    form = ReviewerEditForm()
    _offer_choices(form, queries.organization_choices("—", keep=profile.organization_id))
    user = profile.user

    def save() -> None:
        accounts.update_profile(
            user=user, name=form.name.data, mobile=form.mobile.data or None, locale=user.locale
        )
        services.update_reviewer(
            profile=profile,
            expertise=form.domains(),
            affiliation=form.affiliation.data or "",
            organization=_get(Organization, form.organization_id.data),
            street=_get(Street, form.street_id.data),
            active=form.active.data,
            actor=current_user,
        )

    if form.validate_on_submit() and perform(save, form):
        flash(_("The reviewer is saved."), "success")
        return redirect(url_for(".edit", profile_id=profile.id))
    return _edit_page(profile, form=form)


@bp.post("/admin/reviewers/<int:profile_id>/conflicts")
@login_required
def record_conflict(profile_id: int):
    profile = _pool_profile(profile_id)
    form = ConflictForm()
    form.organization_id.choices = queries.organization_choices("—", keep=profile.organization_id)
    if form.validate_on_submit() and perform(
        lambda: services.record_conflict(
            reviewer=profile.user,
            organization=db.session.get(Organization, form.organization_id.data),
            reason=form.reason.data,
            actor=current_user,
        ),
        form,
    ):
        flash(_("The conflict of interest is recorded."), "success")
        return redirect(url_for(".edit", profile_id=profile.id, _anchor="conflicts"))
    return _edit_page(profile, conflict_form=form)


# ------------------------------------------------------------------------------- Excel import


@bp.route("/admin/reviewers/import", methods=["GET", "POST"])
@login_required
def import_reviewers():
    """The report is the answer to the upload itself (no redirect): it holds the passwords
    generated for new accounts, which must not be kept in the session cookie."""
    authorize(current_user, "reviewer.pool")
    form = ImportForm()
    outcomes = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = excel_import.read_rows(upload.read(), upload.filename or "")
            if not rows:
                raise excel_import.ImportRefused(_("The sheet has no rows under the header."))
        except excel_import.ImportRefused as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            outcomes = excel_import.import_reviewers(rows, actor=current_user)
            db.session.commit()
    return render_template(
        "reviews/admin/import.html",
        form=form,
        outcomes=outcomes,
        counts=excel_import.summary(outcomes) if outcomes is not None else None,
    )


@bp.get("/admin/reviewers/import/template.xlsx")
@login_required
def import_template():
    authorize(current_user, "reviewer.pool")
    chinese = current_language() == "zh_CN"
    return send_file(
        io.BytesIO(excel_import.template_workbook(current_language())),
        mimetype=excel_import.XLSX_MIMETYPE,
        as_attachment=True,
        download_name="评审专家导入模板.xlsx" if chinese else "reviewers-import-template.xlsx",
    )


# --------------------------------------------------------------------------------- assignment


def _board(call: Call, assign_form: AssignForm | None = None):
    """The call's assignment board: applications (a page) with their reviewers and the pool
    members each may still get, and the same by reviewer. A fixed number of queries."""
    pagination = queries.reviewable_page(call.id, page=_page(), per_page=_per_page())
    rows = queries.call_assignments(call.id)
    on_application, on_reviewer = queries.by_application(rows), queries.by_reviewer(rows)
    directory = queries.pool_directory()
    members = [m for m in services.pool() if m.user_id in directory]
    load = Counter(r.reviewer_id for r in rows if r.status is not services.A.DECLINED)
    candidates = {}
    for application in pagination.items:
        taken = {r.reviewer_id for r in on_application.get(application.id, ())}
        domain = application.domain.value if application.domain else None
        fitting = [
            m
            for m in members
            if m.user_id not in taken and not services.is_conflicted(m, application)
        ]
        # those with the domain as expertise first, then the least loaded, then by name
        fitting.sort(
            key=lambda m: (domain not in m.expertise, load[m.user_id], directory[m.user_id].name)
        )
        candidates[application.id] = [(m, domain in m.expertise) for m in fitting]
    choices = queries.reviewable_choices(call.id)
    active = Counter(r.application_id for r in rows if r.status is not services.A.DECLINED)
    reviewer_ids = list(directory) + [i for i in on_reviewer if i not in directory]
    return render_template(
        "reviews/admin/assignments.html",
        call=call,
        pagination=pagination,
        on_application=on_application,
        on_reviewer=on_reviewer,
        reviewer_ids=reviewer_ids,
        directory=directory,
        candidates=candidates,
        choices=choices,
        load=load,
        active=active,
        short=sum(1 for c in choices if active[c.id] < call.reviewers_per_application),
        assign_form=assign_form,
        default_due=default_due_on(),
    )


@bp.get("/admin/calls/<int:call_id>/assignments")
@login_required
def assignments(call_id: int):
    return _board(_managed_call(call_id))


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
    call = _managed_call(call_id)
    form = AssignForm()
    if form.validate_on_submit():
        chosen = queries.applications_of_call(call.id, form.application_ids.data)
        reviewer = _get(User, form.reviewer_id.data)
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
    assignment = _managed_assignment(assignment_id)
    form = ReassignForm()
    made: list[Assignment] = []
    call = db.session.get(Call, assignment.call_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
    elif queries.active_reviewers(assignment.application_id) >= call.reviewers_per_application:
        # services.reassign would add one more each time (a double click, two admins)
        flash(_("This application already has all its reviewers."), "info")
    elif perform(
        lambda: made.append(
            services.reassign(
                assignment=assignment,
                due_on=form.due_on.data or default_due_on(),
                actor=current_user,
            )
        )
    ):
        flash(
            _(
                "%(new)s now reviews %(ref)s in place of %(old)s.",
                new=made[0].reviewer.name,
                ref=made[0].application.reference,
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
    call = _managed_call(call_id)
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
    call = _managed_call(call_id)
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
    made: list[int] = []
    if perform(
        lambda: made.append(
            services.apply_plan(
                call=call, planned=planned, due_on=form.due_on.data, actor=current_user
            )
        )
    ):
        flash(
            ngettext("%(num)s assignment made.", "%(num)s assignments made.", made[0]),
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
        submitted=queries.submitted_page(call.id, page=_page(), per_page=_per_page()),
        reopen_form=reopen_form,
        reopen_for=reopen_for,
    )


@bp.get("/admin/calls/<int:call_id>/review-progress")
@login_required
def progress(call_id: int):
    return _progress_page(_managed_call(call_id))


@bp.post("/admin/assignments/<int:assignment_id>/reopen")
@login_required
def reopen(assignment_id: int):
    assignment = _managed_assignment(assignment_id)
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
    """Until notifications exist the reminder is recorded on the call, and the admin is told
    plainly that no e-mail went out yet."""
    call = _managed_call(call_id)
    reviewer = db.session.get(User, user_id) or abort(404)
    work = queries.outstanding_of(call.id, reviewer.id, local_today())
    if not work.assigned:
        abort(404)
    if not work.outstanding:
        flash(_("%(name)s has nothing outstanding in this call.", name=reviewer.name), "info")
    elif perform(
        lambda: audit.record(
            action=queries.REMINDER_ACTION,
            obj=call,
            actor=current_user,
            after={
                "reviewer_id": reviewer.id,
                "outstanding": work.outstanding,
                "overdue": work.overdue,
            },
        )
    ):
        flash(
            _(
                "The reminder to %(name)s is recorded. It will be e-mailed once notifications "
                "are switched on; no e-mail has been sent yet, so contact them directly if it "
                "is urgent.",
                name=reviewer.name,
            ),
            "info",
        )
    return redirect(url_for(".progress", call_id=call.id, _anchor=f"reviewer-{reviewer.id}"))
