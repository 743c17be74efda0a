"""A call's own questions (add, edit, remove, move up and down) and the district's question
library; routes on the calls blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from microventure.calls import questions
from microventure.calls.models import Call, CallQuestion, QuestionTemplate
from microventure.calls.question_forms import LibraryPickForm, QuestionForm
from microventure.calls.views import bp
from microventure.core.forms import perform
from microventure.core.policy import authorize
from microventure.extensions import db


def _call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        abort(404)
    authorize(current_user, "call.questions", call, hide=True)
    return call


def _question(call: Call, question_id: int) -> CallQuestion:
    question = db.session.get(CallQuestion, question_id)
    if question is None or question.call_id != call.id:
        abort(404)
    return question


def _pick_form(**kwargs) -> LibraryPickForm:
    form = LibraryPickForm(**kwargs)
    form.template_id.choices = [
        SelectChoice(t.id, f"{t.label_zh} · {t.kind.title}") for t in questions.library()
    ]
    return form


def _page(call: Call, form: QuestionForm, pick: LibraryPickForm | None = None):
    return render_template(
        "calls/questions.html",
        call=call,
        form=form,
        pick=pick or _pick_form(formdata=None),
        editable=questions.questions_editable(call),
        addable=call.status in questions.OPEN,
        submitted=questions.has_submissions(call),
    )


@bp.route("/admin/calls/<int:call_id>/questions", methods=["GET", "POST"])
@login_required
def questions_page(call_id: int):
    call = _call(call_id)
    form = QuestionForm(formdata=request.form if request.method == "POST" else None)
    if (
        request.method == "POST"
        and form.validate()
        and perform(
            lambda: questions.add_question(call=call, spec=form.spec(), actor=current_user), form
        )
    ):
        flash(_("The question is added."), "success")
        return redirect(url_for(".questions_page", call_id=call.id))
    return _page(call, form)


@bp.post("/admin/calls/<int:call_id>/questions/from-library")
@login_required
def question_from_library(call_id: int):
    call = _call(call_id)
    pick = _pick_form()
    template = db.session.get(QuestionTemplate, pick.template_id.data or 0)
    if not pick.validate() or template is None:
        return _page(call, QuestionForm(formdata=None), pick)
    if perform(
        lambda: questions.add_from_library(call=call, template=template, actor=current_user)
    ):
        flash(_("The question is added from the library."), "success")
    return redirect(url_for(".questions_page", call_id=call.id))


@bp.route("/admin/calls/<int:call_id>/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def question_edit(call_id: int, question_id: int):
    call = _call(call_id)
    question = _question(call, question_id)
    if request.method == "GET":
        form = QuestionForm(formdata=None, data=QuestionForm.data_of(questions.spec_of(question)))
    else:
        form = QuestionForm()
    if (
        request.method == "POST"
        and form.validate()
        and perform(
            lambda: questions.update_question(
                question=question, spec=form.spec(), actor=current_user
            ),
            form,
        )
    ):
        flash(_("The question is saved."), "success")
        return redirect(url_for(".questions_page", call_id=call.id))
    return render_template("calls/question_edit.html", call=call, question=question, form=form)


@bp.post("/admin/calls/<int:call_id>/questions/<int:question_id>/remove")
@login_required
def question_remove(call_id: int, question_id: int):
    call = _call(call_id)
    question = _question(call, question_id)
    if perform(lambda: questions.remove_question(question=question, actor=current_user)):
        flash(_("The question is removed."), "success")
    return redirect(url_for(".questions_page", call_id=call.id))


@bp.post("/admin/calls/<int:call_id>/questions/<int:question_id>/move")
@login_required
def question_move(call_id: int, question_id: int):
    call = _call(call_id)
    question = _question(call, question_id)
    up = request.form.get("direction") == "up"
    perform(lambda: questions.move_question(question=question, up=up, actor=current_user))
    return redirect(url_for(".questions_page", call_id=call.id) + f"#question-{question.id}")


# ----------------------------------------------------------------------------------- library


@bp.route("/admin/question-library", methods=["GET", "POST"])
@login_required
def question_library():
    authorize(current_user, "question_library.manage")
    form = QuestionForm(formdata=request.form if request.method == "POST" else None)
    if (
        request.method == "POST"
        and form.validate()
        and perform(lambda: questions.add_template(spec=form.spec(), actor=current_user), form)
    ):
        flash(_("The question is in the library."), "success")
        return redirect(url_for(".question_library"))
    return render_template("calls/question_library.html", form=form, templates=questions.library())


@bp.post("/admin/question-library/<int:template_id>/archive")
@login_required
def question_template_archive(template_id: int):
    authorize(current_user, "question_library.manage")
    template = db.session.get(QuestionTemplate, template_id)
    if template is None:
        abort(404)
    if perform(lambda: questions.archive_template(template=template, actor=current_user)):
        flash(_("The question is taken out of the library."), "success")
    return redirect(url_for(".question_library"))
