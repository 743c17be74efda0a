"""Admin pages for review: the reviewer pool and its Excel import, assignment, progress, reopening.

The pool is the district's (``reviewer.pool``); a call's pages belong to whoever manages the
call (``review.manage``: district admins, and street admins for their street's calls)."""

import io

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from microventure.accounts import services as accounts
from microventure.accounts.models import Organization, Street
from microventure.accounts.queries import street_choices
from microventure.core import audit
from microventure.core.forms import perform
from microventure.core.i18n import current_language
from microventure.core.policy import authorize
from microventure.extensions import db
from microventure.reviews import admin_queries as queries
from microventure.reviews.admin_base import bp, get_or_none, page_number, per_page
from microventure.reviews.admin_forms import (
    ConflictForm,
    ImportForm,
    ReviewerEditForm,
    ReviewerForm,
)
from microventure.reviews.models import ReviewerProfile
from microventure.reviews.pool import excel_import
from microventure.reviews.pool import services as reviewer_pool

# ----------------------------------------------------------------------------------- the pool


@bp.get("/admin/reviewers")
@login_required
def pool():
    authorize(current_user, "reviewer.pool")
    search = (request.args.get("q") or "").strip() or None
    state = (
        request.args.get("state") if request.args.get("state") in ("active", "inactive") else None
    )
    pagination = queries.pool_page(
        search=search, state=state, page=page_number(), per_page=per_page()
    )
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
    if form.validate_on_submit():
        existing = queries.account_exists(form.email.data)
        if added := perform(
            lambda: reviewer_pool.add_reviewer(
                email=form.email.data,
                name=form.name.data,
                expertise=form.domains(),
                affiliation=form.affiliation.data or "",
                organization=get_or_none(Organization, form.organization_id.data),
                street=get_or_none(Street, form.street_id.data),
                mobile=form.mobile.data or None,
                password=form.password.data or "",
                actor=current_user,
            ),
            form,
        ):
            flash(_("%(name)s is in the reviewer pool.", name=added.value.user.name), "success")
            if existing:
                flash(
                    _("They already had an account: its name, mobile and password are unchanged."),
                    "info",
                )
            return redirect(url_for(".edit", profile_id=added.value.id))
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
        reviewer_pool.update_reviewer(
            profile=profile,
            expertise=form.domains(),
            affiliation=form.affiliation.data or "",
            organization=get_or_none(Organization, form.organization_id.data),
            street=get_or_none(Street, form.street_id.data),
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
        lambda: reviewer_pool.record_conflict(
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
