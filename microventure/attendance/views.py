"""Check-in pages: the organisation's sessions with their QR code, printable sign and paper
sheet; the public check-in page a phone opens from the code (no account needed)."""

import io
import secrets

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from microventure.applications.models import PlannedActivity
from microventure.attendance import queries, services, tokens
from microventure.attendance.forms import (
    CheckInForm,
    CheckOutForm,
    LinkForm,
    OneTapForm,
    SessionForm,
)
from microventure.attendance.models import AttendanceSession, CheckInKind
from microventure.calls.models import Call
from microventure.core.forms import perform
from microventure.core.policy import authorize, can
from microventure.core.timeutil import local_datetime, utcnow
from microventure.extensions import db, limiter
from microventure.projects.activities.rules import EDITABLE
from microventure.projects.models import ActivityRecord, Project

bp = Blueprint("attendance", __name__)

DEVICE_COOKIE = "mv_device"
DEVICE_COOKIE_DAYS = 400


def _project(project_id: int) -> Project:
    project = db.session.get(Project, project_id) or abort(404)
    authorize(current_user, "attendance.view", project, hide=True)
    return project


def _session(project: Project, session_id: int) -> AttendanceSession:
    session = db.session.get(AttendanceSession, session_id)
    if session is None or session.project_id != project.id:
        abort(404)
    return session


def check_in_url(session: AttendanceSession) -> str:
    return url_for("attendance.scan", token=tokens.make_token(session), _external=True)


def _utc(naive_local):
    return local_datetime(naive_local.date(), naive_local.time()) if naive_local else None


def _editable_records(project: Project) -> list[ActivityRecord]:
    a = ActivityRecord
    return list(
        db.session.scalars(
            db.select(a)
            .where(a.project_id == project.id, a.status.in_(EDITABLE))
            .order_by(a.held_on.desc(), a.id.desc())
        )
    )


# ------------------------------------------------------------------------ the organisation's


@bp.get("/projects/<int:project_id>/check-in")
@login_required
def index(project_id: int, form: SessionForm | None = None, status: int = 200):
    """The project's check-in sessions, and the form to open one (for a planned activity or a
    record, from ``?planned=`` or ``?activity=``)."""
    project = _project(project_id)
    may_manage = can(current_user, "attendance.manage", project)
    if form is None:
        form = SessionForm(formdata=None)
        activity_id = request.args.get("activity", type=int)
        planned_id = request.args.get("planned", type=int)
        activity = db.session.get(ActivityRecord, activity_id) if activity_id else None
        planned = db.session.get(PlannedActivity, planned_id) if planned_id else None
        if activity is not None and activity.project_id == project.id:
            form.activity_id.data, form.title.data = activity.id, activity.title
        elif planned is not None and planned.application_id == project.application_id:
            form.planned_activity_id.data, form.title.data = planned.id, planned.name
    return render_template(
        "attendance/index.html",
        project=project,
        sessions=queries.sessions_of_project(project.id),
        form=form,
        may_manage=may_manage,
        now=utcnow(),
    ), status


@bp.post("/projects/<int:project_id>/check-in")
@login_required
def open_(project_id: int):
    project = _project(project_id)
    authorize(current_user, "attendance.manage", project)
    form = SessionForm()
    if form.validate_on_submit() and (
        done := perform(
            lambda: services.open_session(
                project=project,
                values=services.SessionValues(
                    title=form.title.data or "",
                    place=form.place.data or "",
                    opens_at=_utc(form.opens_at.data),
                    closes_at=_utc(form.closes_at.data),
                    expected=form.expected.data,
                ),
                activity_id=form.activity_id.data,
                planned_activity_id=form.planned_activity_id.data,
                actor=current_user,
            ),
            form,
        )
    ):
        flash(_("The check-in session is open. Show its code at the venue."), "success")
        return redirect(url_for(".show", project_id=project.id, session_id=done.value.id))
    return index(project.id, form=form, status=422)


@bp.get("/projects/<int:project_id>/check-in/<int:session_id>")
@login_required
def show(project_id: int, session_id: int):
    project = _project(project_id)
    session = _session(project, session_id)
    may_manage = can(current_user, "attendance.manage", project)
    link_form = LinkForm(formdata=None, activity_id=session.activity_id)
    link_form.activity_id.choices = [
        (a.id, f"{a.held_on} {a.title}") for a in _editable_records(project)
    ]
    return render_template(
        "attendance/show.html",
        project=project,
        session=session,
        check_ins=[] if session.details_deleted_at else queries.check_ins_of(session.id),
        url=check_in_url(session),
        may_manage=may_manage,
        link_form=link_form,
        kept_until=services.kept_until(
            db.session.get(Call, project.call_id).project_ends_on,
            current_app.config["ATTENDANCE_RETENTION_DAYS"],
        ),
    )


@bp.get("/projects/<int:project_id>/check-in/<int:session_id>/qr.svg")
@login_required
def qr(project_id: int, session_id: int):
    """The session's QR code as SVG, pointing at the check-in page with the current token."""
    session = _session(_project(project_id), session_id)
    out = io.BytesIO()
    segno.make(check_in_url(session), error="m").save(
        out, kind="svg", scale=8, border=2, xmldecl=False, svgclass="qr-code"
    )
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"  # a rotated code replaces it at once
    return response


@bp.get("/projects/<int:project_id>/check-in/<int:session_id>/sign")
@login_required
def sign(project_id: int, session_id: int):
    """A printable sign for the venue: the code, large, with what it is for."""
    project = _project(project_id)
    session = _session(project, session_id)
    return render_template(
        "attendance/sign.html", project=project, session=session, url=check_in_url(session)
    )


@bp.get("/projects/<int:project_id>/check-in/<int:session_id>/sheet")
@login_required
def sheet(project_id: int, session_id: int):
    """A paper sign-in sheet with the code, for venues where phones are few; its photo is
    uploaded with the activity record as before."""
    project = _project(project_id)
    session = _session(project, session_id)
    rows = max(min(session.expected or 20, 60), 10)
    return render_template(
        "attendance/sheet.html",
        project=project,
        session=session,
        url=check_in_url(session),
        rows=range(1, rows + 1),
    )


@bp.post("/projects/<int:project_id>/check-in/<int:session_id>/rotate")
@login_required
def rotate(project_id: int, session_id: int):
    project = _project(project_id)
    session = _session(project, session_id)
    authorize(current_user, "attendance.manage", project)
    if perform(lambda: services.rotate_code(session=session, actor=current_user)):
        flash(_("A new code is shown; codes shown or printed before no longer work."), "success")
    return redirect(url_for(".show", project_id=project.id, session_id=session.id))


@bp.post("/projects/<int:project_id>/check-in/<int:session_id>/link")
@login_required
def link(project_id: int, session_id: int):
    project = _project(project_id)
    session = _session(project, session_id)
    authorize(current_user, "attendance.manage", project)
    form = LinkForm()
    form.activity_id.choices = [(a.id, a.title) for a in _editable_records(project)]
    if form.validate_on_submit() and form.activity_id.data is not None:
        if perform(
            lambda: services.link_to_record(
                session=session, activity_id=form.activity_id.data, actor=current_user
            )
        ):
            flash(_("The session's check-ins now count in the activity record."), "success")
    else:
        flash(_("Choose one of the project's activity records."), "danger")
    return redirect(url_for(".show", project_id=project.id, session_id=session.id))


# ------------------------------------------------------------------------ the public check-in


def _session_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return f"attendance-session:{tokens.session_id_of(token)}"


def _address_limit() -> str:
    return current_app.config["ATTENDANCE_LIMIT_PER_ADDRESS"]


def _session_limit() -> str:
    return current_app.config["ATTENDANCE_LIMIT_PER_SESSION"]


def _device() -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.isalnum() else None


def _with_device(response: Response, device: str | None, new: str | None = None) -> Response:
    """The phone's device cookie set on ``response`` unless it came with one."""
    if device is None:
        response.set_cookie(
            DEVICE_COOKIE,
            new or secrets.token_hex(16),
            max_age=DEVICE_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def _scanned(token: str) -> AttendanceSession | None:
    try:
        return services.session_for_code(token)
    except services.CodeRefused:
        return None


def _public_page(token: str, *, form=None, out_form=None, refusal=None, done=None, status=200):
    session = None
    try:
        session = services.session_for_code(token)
    except services.CodeRefused as exc:
        refusal, status = str(exc), 410 if status == 200 else status
    if session is not None and session.activity and session.activity.status.is_accepted:
        refusal = refusal or _("The activity record has been accepted; its check-in has closed.")
    project = db.session.get(Project, session.project_id) if session else None
    call = db.session.get(Call, project.call_id) if project else None
    device = _device()
    signed_in = current_user if current_user.is_authenticated else None
    waiting = (
        services.open_volunteer_check_in(session=session, device=device, user=signed_in)
        if session and not session.details_deleted_at
        else None
    )
    now = utcnow()
    body = render_template(
        "attendance/check_in.html",
        token=token,
        session=session,
        project=project,
        form=form or CheckInForm(formdata=None),
        out_form=out_form or CheckOutForm(formdata=None),
        one_tap=OneTapForm(formdata=None),
        refusal=refusal,
        done=done,
        waiting=waiting,
        is_open=session is not None and session.opens_at <= now <= session.closes_at,
        kept_until=services.kept_until(
            call.project_ends_on, current_app.config["ATTENDANCE_RETENTION_DAYS"]
        )
        if call
        else None,
    )
    return _with_device(Response(body, status=status), device)


@bp.get("/c/<token>")
def scan(token: str):
    """What a phone opens from the code: the check-in form, or why it cannot check in."""
    done = request.args.get("done")
    return _public_page(token, done=done if done in ("in", "out") else None)


@bp.post("/c/<token>")
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_session_limit, key_func=_session_key, methods=["POST"])
def check_in(token: str):
    session = _scanned(token)
    if session is None:
        return _public_page(token, status=410)
    one_tap = request.form.get("one_tap") == "1" and current_user.is_authenticated
    form = CheckInForm()
    if not form.validate_on_submit():
        return _public_page(token, form=form, status=422)
    try:
        kind = CheckInKind(form.kind.data or CheckInKind.PARTICIPANT.value)
    except ValueError:
        kind = CheckInKind.PARTICIPANT
    known = _device()
    device = known or secrets.token_hex(16)  # a phone that posts before it has the cookie
    if perform(
        lambda: services.check_in(
            session=session,
            kind=kind,
            name=form.name.data or "",
            digits=(form.digits.data or "").strip(),
            device=device,
            user=current_user if one_tap else None,
        ),
        form,
    ):
        return _with_device(redirect(url_for(".scan", token=token, done="in")), known, device)
    return _public_page(token, form=form, status=422)


@bp.post("/c/<token>/out")
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_session_limit, key_func=_session_key, methods=["POST"])
def check_out(token: str):
    session = _scanned(token)
    if session is None:
        return _public_page(token, status=410)
    form = CheckOutForm()
    if not form.validate_on_submit():
        return _public_page(token, out_form=form, status=422)
    signed_in = current_user if current_user.is_authenticated else None
    if perform(
        lambda: services.check_out(
            session=session,
            name=form.name.data or "",
            digits=(form.digits.data or "").strip(),
            device=_device(),
            user=signed_in if not (form.name.data or form.digits.data) else None,
        ),
        form,
    ):
        return redirect(url_for(".scan", token=token, done="out"))
    return _public_page(token, out_form=form, status=422)
