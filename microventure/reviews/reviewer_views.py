"""The reviewer's pages: assignments with progress, the declaration, the application and the score form."""

from string import ascii_uppercase

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from microventure.applications import queries as application_queries
from microventure.applications import services as application_services
from microventure.applications.answers import identifying_files
from microventure.applications.models import Application, Attachment
from microventure.calls.models import AttachmentKind, Call
from microventure.core import files
from microventure.core.forms import perform
from microventure.core.policy import authorize, can, is_reviewer
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.reviews import reviewer_queries as queries
from microventure.reviews import rules, services
from microventure.reviews.forms import ConflictForm, DeclarationForm, ScoreForm
from microventure.reviews.models import Assignment, AssignmentStatus, Review

bp = Blueprint("reviewing", __name__)

A = AssignmentStatus
MAX_PAGE = 100_000  # a page number past any list's end, still a valid SQL offset
# Documents that name the applicant by their nature; a blind review does not show them.
NAMING_DOCUMENTS = frozenset(
    {AttachmentKind.REGISTRATION_CERTIFICATE.value, AttachmentKind.CUSTODIAN_LETTER.value}
)


def _own(assignment_id: int) -> Assignment:
    """The signed-in reviewer's assignment, or 404 (someone else's is not to be revealed)."""
    assignment = queries.assignment_page(assignment_id)
    if assignment is None:
        abort(404)
    authorize(current_user, "review.work", assignment, hide=True)
    return assignment


def _to_page(assignment: Assignment, anchor: str | None = None) -> Response:
    return redirect(url_for(".assignment", assignment_id=assignment.id, _anchor=anchor))


# ------------------------------------------------------------------------------------- the list


@bp.get("/reviews")
@login_required
def index():
    """The calls with work left in full, the finished ones summed up a page at a time
    (``?page=N``); ``?call=<id>`` lists one call's assignments, a page at a time."""
    if not is_reviewer(current_user):
        abort(403)
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    call_id = request.args.get("call", type=int)
    if call_id is not None:
        listing = queries.call_assignments(current_user, call_id, page=page)
        if listing is None:
            abort(404)
        return render_template("reviews/reviewer/call.html", listing=listing, today=local_today())
    return render_template(
        "reviews/reviewer/index.html",
        listing=queries.assignments_of(current_user, page=page),
        today=local_today(),
    )


# ------------------------------------------------------------------------------ one assignment


@bp.get("/reviews/<int:assignment_id>")
@login_required
def assignment(assignment_id: int):
    return _page(_own(assignment_id))


def _page(
    assignment: Assignment,
    *,
    declaration_form: DeclarationForm | None = None,
    conflict_form: ConflictForm | None = None,
    score_form: ScoreForm | None = None,
) -> str:
    """The page for the assignment's state: the declaration step (nothing of the application's
    content), the recorded conflict, or the application with the score form or the review."""
    application = assignment.application
    common = {
        "assignment": assignment,
        "application": application,
        "call": application.call,
        "today": local_today(),
    }
    if assignment.status is A.DECLINED:
        return render_template("reviews/reviewer/declined.html", **common)
    conflict_form = conflict_form or ConflictForm(formdata=None)
    if assignment.status is A.ASSIGNED:
        return render_template(
            "reviews/reviewer/declaration.html",
            declaration_form=declaration_form or DeclarationForm(formdata=None),
            conflict_form=conflict_form,
            **common,
        )
    return _review_page(assignment, common, conflict_form=conflict_form, score_form=score_form)


def _review_page(
    assignment: Assignment,
    common: dict,
    *,
    conflict_form: ConflictForm,
    score_form: ScoreForm | None,
) -> str:
    application, call = assignment.application, assignment.application.call
    snapshot = _reviewed_snapshot(application)
    content = application_queries.readable(snapshot, call, blind=call.blind_review)
    attachments = _shown_attachments(snapshot, call)
    if call.blind_review:
        content = _without_names(content)
    criteria = call.criteria
    review = assignment.review
    if score_form is None and can(current_user, "review.score", assignment):
        score_form = ScoreForm.stored(criteria, review)
    return render_template(
        "reviews/reviewer/assignment.html",
        content=content,
        attachments=attachments,
        withheld=len(attachments) < len(content["attachments"]),
        criteria=criteria,
        review=review,
        score_form=score_form,
        refused=bool(score_form and score_form.errors),
        typed_total=_typed_total(score_form) if score_form else "",
        requested=application.requested_amount,
        conflict_form=conflict_form,
        others=_others(assignment),
        next_id=queries.next_pending_id(current_user, after=assignment.id),
        **common,
    )


def _reviewed_snapshot(application: Application) -> dict:
    """What the applicant submitted (the latest version), as reviewers must judge that."""
    version = application_queries.latest_version(application.id)
    return version.snapshot if version else application_services.snapshot(application)


def _shown_attachments(snapshot: dict, call: Call) -> list[dict]:
    """The submitted attachments a reviewer may open; in a blind review, without file names
    (they often carry the organisation's), without the documents that name the applicant and
    without the files answering a question marked identifying."""
    blind = call.blind_review
    withheld = identifying_files(snapshot) if blind else set()
    return [
        {"id": a["id"], "kind_title": AttachmentKind(a["kind"]).title, "name": a["name"]}
        | ({"name": None} if blind else {})
        for a in snapshot["attachments"]
        if not (blind and (a["kind"] in NAMING_DOCUMENTS or a["id"] in withheld))
    ]


def _without_names(content: dict) -> dict:
    """Blind review: the team's names go too (the applicant's people identify it)."""
    team = [
        member | {"name": _("Team member %(number)s", number=number)}
        for number, member in enumerate(content["team"], start=1)
    ]
    return content | {"team": team}


def _typed_total(form: ScoreForm) -> str:
    """The total of the points typed so far that are valid, as the live total shows it."""
    half = 0
    for f in form.criterion_fields():
        try:
            value = rules.parse_points(f.data)
        except ValueError:
            continue
        if value is not None and 0 <= value <= f.max_points * 2:
            half += value
    return f"{half / 2:g}"


def reviewer_label(index: int) -> str:
    letter = ascii_uppercase[index] if index < len(ascii_uppercase) else str(index + 1)
    return _("Reviewer %(letter)s", letter=letter)


def _others(assignment: Assignment) -> list[tuple[str, Review]] | None:
    """The other submitted reviews, anonymised, or None while the reviewer may not see them:
    only after submitting their own, and only when the call allows it."""
    if not can(current_user, "review.read_others", assignment):
        return None
    return [(reviewer_label(i), r) for i, r in enumerate(queries.other_reviews(assignment))]


# --------------------------------------------------------------------------------- declarations


@bp.post("/reviews/<int:assignment_id>/declaration")
@login_required
def declare(assignment_id: int):
    assignment = _own(assignment_id)

    def sign() -> None:
        services.sign_declaration(assignment=assignment, actor=current_user)

    if not can(current_user, "review.declare", assignment):
        perform(sign)  # the service says why not
        return _to_page(assignment)
    form = DeclarationForm()
    if form.validate() and perform(sign, form):
        flash(_("Declaration signed. The application is open for scoring."), "success")
        return _to_page(assignment)
    return _page(assignment, declaration_form=form)


@bp.post("/reviews/<int:assignment_id>/conflict")
@login_required
def conflict(assignment_id: int):
    assignment = _own(assignment_id)
    form = ConflictForm()

    def declare_conflict() -> None:
        services.declare_conflict(
            assignment=assignment, reason=form.reason.data or "", actor=current_user
        )

    if not can(current_user, "review.declare_conflict", assignment):
        perform(declare_conflict)
        return _to_page(assignment)
    if form.validate() and perform(declare_conflict, form):
        flash(
            _(
                "Your conflict of interest is recorded and the application is released; "
                "the street office will assign another reviewer."
            ),
            "success",
        )
        return redirect(url_for(".index"))
    return _page(assignment, conflict_form=form)


# -------------------------------------------------------------------------------------- scoring


@bp.post("/reviews/<int:assignment_id>/review")
@login_required
def score(assignment_id: int):
    assignment = _own(assignment_id)
    form = ScoreForm.for_criteria(assignment.application.call.criteria)()
    submit = request.form.get("action") == "submit"

    def save() -> None:
        services.save_review(
            assignment=assignment,
            points=form.points(),
            comment=form.comment.data or "",
            recommendation=form.chosen_recommendation(),
            suggested_amount=form.suggested_amount.data,
            submit=submit,
            actor=current_user,
        )

    if not can(current_user, "review.score", assignment):
        perform(save)  # not declared yet, declined, or submitted and locked: the service says
        return _to_page(assignment)
    if form.validate() and perform(save, form):
        if submit:
            flash(_("Your review is submitted. Thank you."), "success")
        else:
            flash(_("Your draft is saved."), "success")
        return _to_page(assignment, "score")
    return _page(assignment, score_form=form)


# ---------------------------------------------------------------------------------- attachments


@bp.get("/reviews/<int:assignment_id>/attachments/<int:attachment_id>")
@login_required
def attachment(assignment_id: int, attachment_id: int):
    """An attachment of the reviewed application, once the declaration is signed. Reviewers do
    not have ``application.view``, so the applicant's attachment route is not theirs."""
    assignment = _own(assignment_id)
    if not can(current_user, "review.read", assignment):
        abort(404)
    application, call = assignment.application, assignment.application.call
    listed = _shown_attachments(_reviewed_snapshot(application), call)
    found = db.session.get(Attachment, attachment_id)
    if (
        found is None
        or found.application_id != application.id
        or found.id not in {a["id"] for a in listed}
    ):
        abort(404)
    name = found.original_name
    if call.blind_review:
        name = f"{application.reference}-{found.id}{files.extension(name)}"
    try:
        return files.send_stored(
            found.storage_key, download_name=name, kind=files.FileKind(found.file_type)
        )
    except FileNotFoundError:
        abort(404)
