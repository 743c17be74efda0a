"""The signed-in user's pages: profile, password, their organisations and its members."""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from microventure.accounts import api_tokens, organizations, queries, recovery, services
from microventure.accounts.forms import (
    ApiTokenForm,
    ExclusionForm,
    MemberForm,
    PasswordChangeForm,
    ProfileForm,
    RevokeTokenForm,
    VerificationForm,
)
from microventure.accounts.models import ApiToken, Membership, TokenScope
from microventure.core import audit
from microventure.core.forms import perform
from microventure.core.policy import authorize, can
from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db

bp = Blueprint("accounts", __name__)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    password_form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit() and perform(
        lambda: services.update_profile(
            user=current_user,
            name=form.name.data,
            mobile=form.mobile.data or None,
            locale=form.locale.data,
        ),
        form,
    ):
        session["lang"] = current_user.locale
        flash(_("Your profile is saved."), "success")
        return redirect(url_for(".profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.post("/profile/password")
@login_required
def change_password():
    form = ProfileForm(obj=current_user, formdata=None)
    password_form = PasswordChangeForm(prefix="pw")
    if password_form.validate_on_submit() and perform(
        lambda: services.change_password(
            user=current_user,
            current=password_form.current_password.data,
            new=password_form.new_password.data,
        ),
        password_form,
    ):
        login_user(current_user._get_current_object())  # stay signed in with the new token
        flash(_("Your password is changed; other devices have been signed out."), "success")
        return redirect(url_for(".profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.post("/profile/confirmation")
@login_required
def resend_confirmation():
    if current_user.email_confirmed_at is None and perform(
        lambda: recovery.send_confirmation(user=current_user)
    ):
        flash(
            _("A confirmation link is on its way to %(email)s.", email=current_user.email), "info"
        )
    return redirect(url_for(".profile"))


def _tokens_page(form: ApiTokenForm, new_token: api_tokens.NewToken | None = None, code=200):
    response = make_response(
        render_template(
            "accounts/api_tokens.html",
            form=form,
            revoke_form=RevokeTokenForm(formdata=None),
            tokens=api_tokens.user_tokens(current_user),
            new_token=new_token,
            now=utcnow(),
        ),
        code,
    )
    # the page may carry a secret shown once: no copy in any cache, the browser's included
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/tokens", methods=["GET", "POST"])
@login_required
def api_tokens_page():
    """The user's personal access tokens for the API. A new token's secret is shown once, on
    the answer to the POST that created it: it is in no redirect, flash message or session (the
    session is a cookie), and only its hash is stored."""
    authorize(current_user, "api_token.create")
    form = ApiTokenForm()
    if form.validate_on_submit():
        done = perform(
            lambda: api_tokens.create_token(
                user=current_user,
                name=form.name.data,
                scope=TokenScope(form.scope.data),
                days=form.expires_in_days.data,
            ),
            form,
        )
        if done:
            return _tokens_page(ApiTokenForm(formdata=None), new_token=done.value)
    return _tokens_page(form)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    authorize(current_user, "api_token.revoke", token, hide=True)
    form = RevokeTokenForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm revoking the token."), "danger")
    elif perform(lambda: api_tokens.revoke_token(token=token, actor=current_user)):
        flash(_("The token %(prefix)s… is revoked.", prefix=token.prefix), "success")
    return redirect(url_for(".api_tokens_page"))


@bp.get("/organizations/mine")
@login_required
def my_organizations():
    memberships = sorted(current_user.memberships, key=lambda m: m.id)
    if len(memberships) == 1:
        return redirect(url_for(".organization", organization_id=memberships[0].organization_id))
    return render_template("accounts/my_organizations.html", memberships=memberships)


@bp.get("/organizations/<int:organization_id>")
@login_required
def organization(
    organization_id: int, member_form=None, verification_form=None, exclusion_form=None
):
    """The organisation's page; a refused form posted from it is shown again with its input."""
    org = queries.organization_page(organization_id)
    authorize(current_user, "organization.view", org, hide=True)
    if verification_form is None:
        verification_form = VerificationForm()
    verification_form.status.choices = [
        (s.value, s.title) for s in organizations.next_verification_states(org)
    ]
    return render_template(
        "accounts/organization.html",
        org=org,
        today=local_today(),
        member_form=member_form or MemberForm(formdata=None),
        verification_form=verification_form,
        exclusion_form=exclusion_form or ExclusionForm(formdata=None, starts_on=local_today()),
        events=audit.timeline(org) if can(current_user, "organization.audit", org) else [],
    )


def _organization_or_404(organization_id: int, action: str):
    org = queries.organization_page(organization_id)
    authorize(current_user, "organization.view", org, hide=True)
    authorize(current_user, action, org)
    return org


@bp.post("/organizations/<int:organization_id>/members")
@login_required
def add_member(organization_id: int):
    org = _organization_or_404(organization_id, "organization.manage_members")
    form = MemberForm()
    if form.validate_on_submit() and perform(
        lambda: organizations.add_member(
            organization=org,
            email=form.email.data,
            name=form.name.data or "",
            password=form.password.data or "",
            actor=current_user,
        ),
        form,
    ):
        flash(
            _(
                "%(email)s can now apply and report for the organisation.",
                email=form.email.data,
            ),
            "success",
        )
        return redirect(url_for(".organization", organization_id=org.id) + "#members")
    return organization(organization_id, member_form=form)


@bp.post("/organizations/<int:organization_id>/members/<int:membership_id>/remove")
@login_required
def remove_member(organization_id: int, membership_id: int):
    org = _organization_or_404(organization_id, "organization.manage_members")
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organization_id != org.id:
        abort(404)
    if perform(lambda: organizations.remove_member(membership=membership, actor=current_user)):
        flash(_("The member has been removed."), "success")
    return redirect(url_for(".organization", organization_id=org.id) + "#members")
