"""Sign-up, log in and log out."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from microventure.accounts import organizations, queries, recovery, services, tokens
from microventure.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from microventure.accounts.models import OrganizationKind, User
from microventure.core.errors import DomainError
from microventure.core.forms import perform, safe_next, show_domain_error
from microventure.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    return db.session.scalar(
        select(User).where(User.session_token == session_token, User.is_active.is_(True))
    )


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _signup_limit() -> str:
    return current_app.config["RATELIMIT_SIGNUP"]


def _forgot_limit() -> str:
    return current_app.config["RATELIMIT_FORGOT"]


def _forgot_account_limit() -> str:
    return current_app.config["RATELIMIT_FORGOT_PER_ACCOUNT"]


def _forgot_account() -> str:
    """The limiter's key for the reset links one address asks for, from any client address."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"forgot:{email}" if email else f"forgot-blank:{request.remote_addr}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data)
        except services.LoginPaused as exc:
            db.session.commit()  # the attempt's audit event and the owner's notice are kept
            show_domain_error(form, exc)
            return render_template("accounts/login.html", form=form), 429
        db.session.commit()  # the audit event of a failed attempt is kept too
        if user is None:
            form.password.errors.append(_("Wrong e-mail address or password."))
        else:
            target = safe_next(request.args.get("next")) or url_for("core.index")
            session.clear()  # a fresh session on login: nothing carried over from before
            session["lang"] = user.locale
            login_user(user, remember=form.remember.data)
            return redirect(target)
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.index"))


def _signup_choices(form: SignupForm) -> None:
    form.street_id.choices = queries.street_choices(blank=_("Choose…"))
    form.community_id.choices = queries.community_choices(blank=_("Not in one community"))
    form.custodian_id.choices = queries.custodian_choices(blank=_("None"))


def _organization_details(form: SignupForm) -> organizations.OrganizationDetails:
    """The organisation as the applicant describes it on the signup form."""
    return organizations.OrganizationDetails(
        name=form.name.data,
        kind=OrganizationKind(form.kind.data),
        credit_code=form.credit_code.data or None,
        custodian_id=form.custodian_id.data,
        street_id=form.street_id.data or 0,
        community_id=form.community_id.data,
        address=form.address.data or "",
        legal_representative=form.legal_representative.data or "",
        contact_name=form.contact_name.data,
        contact_mobile=form.contact_mobile.data,
        contact_email=form.contact_email.data or None,
        founded_on=form.founded_on.data,
        rating=form.rating.data,
        rating_awarded_on=form.rating_awarded_on.data,
        rating_expires_on=form.rating_expires_on.data,
        description=form.description.data or "",
    )


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.my_organizations"))
    form = SignupForm()
    _signup_choices(form)
    if form.validate_on_submit():
        details = _organization_details(form)
        try:
            user, organization = organizations.register_organization(
                details=details,
                owner_email=form.owner_email.data,
                owner_name=form.owner_name.data,
                owner_password=form.password.data,
                owner_mobile=form.owner_mobile.data or None,
                locale=session.get("lang", current_app.config["BABEL_DEFAULT_LOCALE"]),
            )
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            recovery.send_confirmation(user=user)
            db.session.commit()
            session.clear()
            session["lang"] = user.locale
            login_user(user)
            flash(_("Your organisation is registered and waits for verification."), "success")
            if organization.credit_code_warning:
                flash(
                    _(
                        "The credit code's check character does not match. Check it; an admin "
                        "will compare it with your registration certificate."
                    ),
                    "warning",
                )
            return redirect(url_for("accounts.organization", organization_id=organization.id))
    return render_template("accounts/signup.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_forgot_limit, methods=["POST"])
@limiter.limit(_forgot_account_limit, key_func=_forgot_account, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_password_reset(email=form.email.data)
        db.session.commit()
        # the same answer whether or not the address has an account
        flash(
            _("If an account uses this address, a link to reset its password is on its way."),
            "info",
        )
        return redirect(url_for(".login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):
    user = tokens.user_for_reset(token)
    if user is None:
        flash(_("This link has expired or has already been used. Ask for a new one."), "warning")
        return redirect(url_for(".forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit() and perform(
        lambda: recovery.reset_password(user=user, new=form.password.data), form
    ):
        flash(_("Your password is changed. Log in with it."), "success")
        return redirect(url_for(".login"))
    return render_template("accounts/reset.html", form=form)


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    user = tokens.user_for_confirmation(token)
    if user is None:
        flash(_("This confirmation link is not valid any more."), "warning")
    elif perform(lambda: recovery.confirm_email(user=user)):
        flash(_("Your e-mail address is confirmed."), "success")
    return redirect(url_for("core.index"))
