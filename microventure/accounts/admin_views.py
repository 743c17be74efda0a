"""Admin pages: organisations to verify (district) or to see (street), users and their roles."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from microventure.accounts import organizations as org_services
from microventure.accounts import queries, services
from microventure.accounts.forms import ExclusionForm, RoleGrantForm, VerificationForm
from microventure.accounts.models import (
    Exclusion,
    ExclusionKind,
    OrganizationKind,
    Role,
    RoleGrant,
    Street,
    User,
    VerificationStatus,
)
from microventure.accounts.views import organization as organization_page
from microventure.core import audit
from microventure.core.bulk import BulkForm, chosen_ids, flash_many, perform_each
from microventure.core.forms import perform
from microventure.core.policy import authorize, can
from microventure.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page() -> int:
    return max(request.args.get("page", 1, type=int), 1)


@bp.get("/organizations")
@login_required
def organizations():
    authorize(current_user, "organization.list")
    filters = queries.OrganizationFilters.parse(request.args)
    pagination = queries.organizations_for_admin(current_user, filters, page=_page())
    return render_template(
        "admin/organizations.html",
        pagination=pagination,
        filters=filters,
        counts=queries.status_counts(current_user),
        statuses=list(VerificationStatus),
        kinds=list(OrganizationKind),
        streets=queries.street_choices(),
        bulk_form=BulkForm(formdata=None),
    )


@bp.post("/organizations/verification")
@login_required
def verify_many():
    """Verify the ticked organisations, or all that match the filter, each as on its own page;
    those refused (a state that does not allow it, a credit code to check against the
    certificate on the organisation's page) are named with the reason."""
    authorize(current_user, "organization.verify")
    filters = queries.OrganizationFilters.parse(request.args)
    back = redirect(url_for(".organizations", **filters.args()))
    form = BulkForm()
    if not form.validate_on_submit():
        flash(_("The list could not be read. Tick the organisations again."), "danger")
        return back
    ids = chosen_ids(form, lambda: queries.matching_organization_ids(current_user, filters))
    if ids is None:
        return back
    if not ids:
        flash(_("Tick the organisations to verify."), "danger")
        return back
    many = perform_each(
        queries.organizations_by_id(current_user, ids),
        lambda org: org_services.set_verification(
            organization=org, status=VerificationStatus.VERIFIED, actor=current_user
        ),
        name=lambda org: org.name,
        allowed=lambda org: can(current_user, "organization.verify", org),
    )
    count = len(many.done)
    flash_many(
        many,
        ngettext("%(num)s organisation verified.", "%(num)s organisations verified.", count),
    )
    return back


@bp.post("/organizations/<int:organization_id>/verification")
@login_required
def set_verification(organization_id: int):
    org = queries.organization_page(organization_id)
    authorize(current_user, "organization.view", org, hide=True)
    authorize(current_user, "organization.verify", org)
    form = VerificationForm()
    form.status.choices = [(s.value, s.title) for s in org_services.next_verification_states(org)]
    if form.validate_on_submit() and perform(
        lambda: org_services.set_verification(
            organization=org,
            status=VerificationStatus(form.status.data),
            reason=form.reason.data or "",
            override_credit_code=form.override_credit_code.data,
            actor=current_user,
        ),
        form,
    ):
        flash(
            _("The organisation is now: %(status)s.", status=org.verification_status.title),
            "success",
        )
        return redirect(url_for("accounts.organization", organization_id=org.id))
    return organization_page(organization_id, verification_form=form)


@bp.post("/organizations/<int:organization_id>/exclusions")
@login_required
def add_exclusion(organization_id: int):
    org = queries.organization_page(organization_id)
    authorize(current_user, "organization.view", org, hide=True)
    authorize(current_user, "organization.exclude", org)
    form = ExclusionForm()
    if form.validate_on_submit() and perform(
        lambda: org_services.add_exclusion(
            organization=org,
            kind=ExclusionKind(form.kind.data),
            reason=form.reason.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            actor=current_user,
        ),
        form,
    ):
        flash(_("The organisation is on the exclusion list."), "success")
        return redirect(url_for("accounts.organization", organization_id=org.id) + "#exclusions")
    return organization_page(organization_id, exclusion_form=form)


@bp.post("/exclusions/<int:exclusion_id>/lift")
@login_required
def lift_exclusion(exclusion_id: int):
    exclusion = db.session.get(Exclusion, exclusion_id) or abort(404)
    authorize(current_user, "organization.exclude", exclusion.organization)
    if perform(lambda: org_services.lift_exclusion(exclusion=exclusion, actor=current_user)):
        flash(_("The exclusion is lifted."), "success")
    return redirect(
        url_for("accounts.organization", organization_id=exclusion.organization_id) + "#exclusions"
    )


@bp.get("/users")
@login_required
def users():
    authorize(current_user, "user.manage")
    search = request.args.get("q") or None
    return render_template(
        "admin/users.html", pagination=queries.users_page(search=search, page=_page()), q=search
    )


@bp.get("/users/<int:user_id>")
@login_required
def user(user_id: int, form: RoleGrantForm | None = None):
    authorize(current_user, "user.manage")
    target = db.session.get(User, user_id) or abort(404)
    form = form or RoleGrantForm(formdata=None)
    form.street_id.choices = queries.street_choices(blank="—")
    return render_template(
        "admin/user.html", target=target, form=form, events=audit.timeline(target)
    )


@bp.post("/users/<int:user_id>/roles")
@login_required
def grant_role(user_id: int):
    authorize(current_user, "user.manage")
    target = db.session.get(User, user_id) or abort(404)
    form = RoleGrantForm()
    form.street_id.choices = queries.street_choices(blank="—")
    if form.validate_on_submit():
        street = db.session.get(Street, form.street_id.data) if form.street_id.data else None
        if perform(
            lambda: services.grant_role(
                user=target, role=Role(form.role.data), street=street, actor=current_user
            ),
            form,
        ):
            flash(_("The role is granted."), "success")
            return redirect(url_for(".user", user_id=target.id))
    return user(user_id, form=form)


@bp.post("/roles/<int:grant_id>/revoke")
@login_required
def revoke_role(grant_id: int):
    authorize(current_user, "user.manage")
    grant = db.session.get(RoleGrant, grant_id) or abort(404)
    user_id = grant.user_id
    if perform(lambda: services.revoke_role(grant=grant, actor=current_user)):
        flash(_("The role is revoked."), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    authorize(current_user, "user.manage")
    target = db.session.get(User, user_id) or abort(404)
    if perform(
        lambda: services.set_user_active(
            user=target, active=request.form.get("active") == "1", actor=current_user
        ),
    ):
        flash(_("The account is saved."), "success")
    return redirect(url_for(".user", user_id=target.id))
