"""The applicant's pages: start, edit with repeatable rows, attachments, submit, print, withdraw."""

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from microventure.applications import answers, queries, rules, services
from microventure.applications.answer_forms import form_class_for, stored_answers
from microventure.applications.forms import ApplicationForm, AttachmentForm, StartForm
from microventure.applications.models import APPLICATION, Application, ApplicationStatus, Attachment
from microventure.calls.models import AttachmentKind, BudgetCategory, Call, Domain
from microventure.core import files, history
from microventure.core.forms import perform, safe_next
from microventure.core.policy import authorize, can
from microventure.core.timeutil import utcnow
from microventure.extensions import db

bp = Blueprint("applications", __name__)


def _visible(application_id: int, *, with_rows: bool = True) -> Application:
    """The application (with its rows, by default), or 404 for those who may not see it."""
    load = queries.application_page if with_rows else queries.application_header
    application = load(application_id)
    if application is None:
        abort(404)
    authorize(current_user, "application.view", application, hide=True)
    return application


def call_page(call_id: int) -> str:
    # The public call page belongs to the calls blueprint; its address is fixed.
    return f"{request.script_root}/calls/{call_id}"


@bp.context_processor
def _links() -> dict:
    return {"call_page": call_page}


def _not_editable(application: Application) -> Response:
    if request.method == "POST":
        flash(_("This application can no longer be changed."), "warning")
    return redirect(url_for(".detail", application_id=application.id))


# ------------------------------------------------------------------------------------- list, start


@bp.get("/applications")
@login_required
def mine():
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = queries.applications_of(
        current_user, page=page, per_page=current_app.config["ITEMS_PER_PAGE"]
    )
    return render_template(
        "applications/mine.html", pagination=pagination, editable=services.EDITABLE
    )


@bp.post("/calls/<int:call_id>/apply")
@login_required
def start(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or not can(current_user, "call.view", call):
        abort(404)
    authorize(current_user, "application.start")
    posted = request.form.get("organization_id", "").strip()
    if not posted:
        choices = queries.organization_choices(current_user)
        if len(choices) != 1:  # a member of several organisations says for which one
            form = StartForm(formdata=None)
            form.organization_id.choices = choices
            return render_template("applications/start.html", call=call, form=form)
        posted = choices[0].value
    if not posted.isdigit() or int(posted) not in current_user.organization_ids():
        abort(404)
    if started := perform(
        lambda: services.start_or_resume(call=call, organization_id=int(posted), actor=current_user)
    ):
        if started.value.is_new:
            flash(_("Your draft is started. Save as you go; submit when all is ready."), "success")
        else:
            flash(_("Your organisation already has a draft for this call: here it is."), "info")
        return redirect(url_for(".edit", application_id=started.value.application.id))
    return redirect(safe_next(request.form.get("next")) or call_page(call.id))


# ------------------------------------------------------------------------------------------ edit


def _application_form(call: Call, **kwargs) -> ApplicationForm:
    form = form_class_for(call)(**kwargs)
    form.domain.choices = [SelectChoice(value="", label=_("Choose a domain"))] + [
        SelectChoice(value=d, label=Domain(d).title) for d in call.domains
    ]
    form.community_ids.choices = queries.community_choices(call.street_id)
    return form


def _stored_form(application: Application) -> ApplicationForm:
    initial = stored_answers(answers.answer_values(application))
    return _application_form(application.call, formdata=None, obj=application, data=initial)


def _call_rules(call: Call) -> dict:
    return {
        "caps": [(BudgetCategory(k).title, v) for k, v in call.category_caps.items()],
        "required": [AttachmentKind(k).title for k in call.required_attachments],
        "domains": [Domain(d).title for d in call.domains],
    }


def _default_kind(application: Application) -> str:
    """The first required document not attached yet: what the applicant most likely uploads."""
    present = {a.kind.value for a in application.current_attachments}
    missing = [k for k in application.call.required_attachments if k not in present]
    return missing[0] if missing else AttachmentKind.OTHER.value


@dataclass(frozen=True)
class Notice:
    """The message atop the edit page after a post (a Bootstrap alert colour and its heading);
    the form's problems are listed under it."""

    level: str
    heading: str


NOT_SAVED = Notice("danger", _l("The form was not saved. Please correct the fields marked below:"))
PARTLY_SAVED = Notice(
    "warning",
    _l("Your draft is saved, except the fields marked below. Correct them and save again:"),
)
NOT_SUBMITTED = Notice(
    "danger", _l("Your draft is saved, but it cannot be submitted yet. Please fix the following:")
)
CHECKED = Notice(
    "warning",
    _l("Your draft is saved. Checked against the call's rules, it cannot be submitted yet:"),
)


def _edit_page(
    application: Application,
    form: ApplicationForm,
    upload_form: AttachmentForm | None = None,
    *,
    notice: Notice | None = None,
) -> str:
    form.pad_rows()
    if upload_form is None:
        upload_form = AttachmentForm(formdata=None, kind=_default_kind(application))
    now = utcnow()
    # Say before the applicant starts typing what would stop the submission anyway (after a
    # check or a refused submission, the notice lists them with the rest).
    blockers = []
    if notice is None:
        blockers = rules.call_problems(application, now) + rules.organization_problems(
            application, now
        )
    return render_template(
        "applications/edit.html",
        application=application,
        call=application.call,
        form=form,
        upload_form=upload_form,
        budget=queries.live_budget(application),
        call_rules=_call_rules(application.call),
        blockers=[str(message) for _field, message in blockers],
        sections=form.sections(rules.draft_problems(application)),
        notice=notice,
        max_upload_bytes=files.max_bytes(),
        answer_values=answers.answer_values(application),
    )


def _save_draft(application: Application, form: ApplicationForm) -> bool | None:
    """Save whatever is valid of the posted form (nothing typed is lost to one wrong field):
    True when all of it was, False when the fields the form marks were left out, None when
    nothing was saved."""
    form.drop_blank_rows()
    complete = form.validate()
    if "csrf_token" in form.errors:
        return None
    done = perform(
        lambda: services.save_draft(
            application=application, content=form.content(application), actor=current_user
        ),
        form,
    )
    return complete if done else None


def _attach(application: Application, upload_form: AttachmentForm) -> Attachment | None:
    if not upload_form.validate():
        return None
    if not upload_form.chosen():
        upload_form.file.errors.append(_("Choose a file to upload."))
        return None
    added = perform(
        lambda: services.add_attachment(
            application=application,
            kind=AttachmentKind(upload_form.kind.data),
            upload=upload_form.file.data,
            actor=current_user,
        ),
        upload_form,
    )
    return added.value if added else None


def _file_step(
    application: Application,
    upload_form: AttachmentForm,
    form: ApplicationForm | None,
    *,
    action: str,
    attachment: Attachment | None,
) -> tuple[bool, list[str]]:
    """The button's own work on the files (upload, remove): whether it went through, and what
    to tell the applicant."""
    ok, done = True, []
    for question, upload in form.uploads() if form is not None else []:
        added = perform(
            lambda question=question, upload=upload: services.answer_with_file(
                application=application, question=question, upload=upload, actor=current_user
            ),
            form,
        )
        if added:
            done.append(_("%(name)s is attached.", name=added.value.original_name))
        ok = ok and bool(added)
    if upload_form.chosen() or action == "upload":
        added = _attach(application, upload_form)
        if added is not None:
            done.append(_("%(name)s is attached.", name=added.original_name))
        ok = added is not None
    if attachment is not None:
        name = attachment.original_name
        if perform(lambda: services.remove_attachment(attachment=attachment, actor=current_user)):
            done.append(_("%(name)s is no longer attached.", name=name))
        else:
            ok = False
    return ok, done


def _check_or_submit(
    application: Application,
    form: ApplicationForm,
    upload_form: AttachmentForm,
    *,
    action: str,
    complete: bool,
) -> Response | str:
    """Submit a draft saved whole; else list every problem a submission would meet, by the same
    rules, without submitting ("Check", or "Submit" while the form marks fields)."""
    if action == "submit" and complete:
        if perform(lambda: services.submit(application=application, actor=current_user), form):
            flash(
                _(
                    "Your application is submitted. Its reference number is %(reference)s.",
                    reference=application.reference,
                ),
                "success",
            )
            return redirect(url_for(".detail", application_id=application.id))
        return _edit_page(application, form, upload_form, notice=NOT_SUBMITTED)
    form.place(rules.submission_problems(application, at=utcnow()))
    if not form.problems():
        flash(
            _("Your draft is saved and checked: nothing is missing, it can be submitted."),
            "success",
        )
        return redirect(url_for(".edit", application_id=application.id))
    return _edit_page(
        application, form, upload_form, notice=CHECKED if action == "check" else NOT_SUBMITTED
    )


def _save_then(
    application: Application, *, action: str, attachment: Attachment | None = None
) -> Response | str:
    """Every button on the edit page posts the whole form, so typed text is saved before the
    button's own work (upload, remove, check, submit) and nothing typed is lost to a page
    change. Each step commits on its own: a refused upload or submission never undoes the
    saved draft, and one wrong field does not stop the rest from being saved."""
    # A post without the draft fields (an upload from elsewhere) must not empty the draft.
    posted = "title" in request.form
    form = _application_form(application.call) if posted else _stored_form(application)
    upload_form = AttachmentForm()
    saved = _save_draft(application, form) if posted else True
    if saved is None:
        return _edit_page(application, form, upload_form, notice=NOT_SAVED)
    checking = action in ("check", "submit")  # these say themselves that the draft is saved
    files_ok, done = _file_step(
        application, upload_form, form if posted else None, action=action, attachment=attachment
    )
    saying = [_("Your draft is saved.")] if posted and saved and not checking else []
    for message in saying + done:
        flash(message, "success")
    if files_ok and checking:
        return _check_or_submit(application, form, upload_form, action=action, complete=saved)
    if not files_ok or not saved:
        return _edit_page(application, form, upload_form, notice=None if saved else PARTLY_SAVED)
    anchor = "#attachments" if action in ("upload", "remove") else ""
    return redirect(url_for(".edit", application_id=application.id) + anchor)


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit(application_id: int):
    application = _visible(application_id)
    if not can(current_user, "application.edit", application):
        return _not_editable(application)
    if request.method == "GET":
        return _edit_page(application, _stored_form(application))
    action = request.form.get("action", "save")
    return _save_then(application, action=action if action in ("check", "submit") else "save")


@bp.post("/applications/<int:application_id>/attachments")
@login_required
def upload(application_id: int):
    application = _visible(application_id)
    if not can(current_user, "application.edit", application):
        return _not_editable(application)
    return _save_then(application, action="upload")


@bp.post("/applications/<int:application_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(application_id: int, attachment_id: int):
    application = _visible(application_id)
    if not can(current_user, "application.edit", application):
        return _not_editable(application)
    attachment = next((a for a in application.current_attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return _save_then(application, action="remove", attachment=attachment)


# ------------------------------------------------------------------------------ read, print, files


@bp.get("/applications/<int:application_id>")
@login_required
def detail(application_id: int):
    application = _visible(application_id)
    member = can(current_user, "application.withdraw", application)
    return render_template(
        "applications/detail.html",
        application=application,
        call=application.call,
        content=queries.readable(services.snapshot(application), application.call),
        events=history.timeline(
            application, internal=can(current_user, "history.internal", application)
        ),
        editable=can(current_user, "application.edit", application),
        withdrawable=member and APPLICATION.may(application, ApplicationStatus.WITHDRAWN),
        **queries.outcome(application, admin=can(current_user, "application.screen", application)),
    )


@bp.get("/applications/<int:application_id>/print", endpoint="print")
@login_required
def print_page(application_id: int):
    """What was submitted (the latest version), or the draft as it stands when nothing was."""
    application = _visible(application_id, with_rows=False)
    version = queries.latest_version(application.id)
    snapshot = version.snapshot if version else services.snapshot(application)
    return render_template(
        "applications/print.html",
        application=application,
        call=application.call,
        version=version,
        content=queries.readable(snapshot, application.call),
        printed_at=utcnow(),
    )


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    # Removed files are still served to those who may see the application: a submitted
    # version may name them.
    found = queries.attachment_with_application(attachment_id)
    if found is None:
        abort(404)
    authorize(current_user, "application.view", found.application, hide=True)
    try:
        return files.send_stored(
            found.storage_key,
            download_name=found.original_name,
            kind=files.FileKind(found.file_type),
        )
    except FileNotFoundError:
        abort(404)


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw(application_id: int):
    application = _visible(application_id, with_rows=False)
    authorize(current_user, "application.withdraw", application)
    if perform(lambda: services.withdraw(application=application, actor=current_user)):
        flash(_("The application is withdrawn."), "success")
    return redirect(url_for(".detail", application_id=application.id))
