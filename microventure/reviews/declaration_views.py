"""One declaration for a list (回避声明): the reviewer reads the applications still awaiting their
declaration, unticks any they have a conflict with (declared on that application's own page)
and signs once; each ticked assignment is declared by the service that declares one, and
audited on its own. Routes of the reviewer's blueprint (``reviewer_views.bp``)."""

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import BooleanField
from wtforms.validators import DataRequired

from microventure.core.bulk import BulkForm, flash_many, perform_each
from microventure.core.policy import can, is_reviewer
from microventure.core.timeutil import local_today
from microventure.reviews import reviewer_queries as queries
from microventure.reviews import services
from microventure.reviews.reviewer_views import bp


class ListDeclarationForm(BulkForm):
    """The ticked assignments and the one statement that covers them."""

    no_conflict = BooleanField(
        _l("I declare I have no conflict of interest with any of the applications ticked above."),
        validators=[DataRequired(message=_l("Tick the box to sign the declaration."))],
    )


def _reviewer_only() -> None:
    if not is_reviewer(current_user):
        abort(403)


@bp.get("/reviews/declaration")
@login_required
def declaration_list(form: ListDeclarationForm | None = None):
    """Every assignment awaiting the declaration, all ticked until the reviewer unticks one."""
    _reviewer_only()
    groups = queries.to_declare(current_user)
    refused = form is not None
    if form is None:
        ids = [row.id for group in groups for row in group.rows]
        form = ListDeclarationForm(formdata=None, ids=ids)
    return render_template(
        "reviews/reviewer/declaration_list.html",
        groups=groups,
        form=form,
        checked=set(form.ids.data or []),
        today=local_today(),
    ), (422 if refused else 200)


@bp.post("/reviews/declaration")
@login_required
def declare_list():
    """Sign the declaration for each ticked assignment; those refused (declared meanwhile, a
    conflict declared on its page) are named."""
    _reviewer_only()
    form = ListDeclarationForm()
    if not form.validate_on_submit():
        return declaration_list(form)
    if not form.ids.data:
        form.ids.errors = [_("Tick the applications you declare no conflict of interest with.")]
        return declaration_list(form)
    many = perform_each(
        queries.own_assignments(current_user, form.ids.data),
        lambda assignment: services.sign_declaration(assignment=assignment, actor=current_user),
        name=lambda assignment: assignment.application.reference,
        allowed=lambda assignment: can(current_user, "review.work", assignment),
    )
    count = len(many.done)
    flash_many(many, ngettext("%(num)s declaration signed.", "%(num)s declarations signed.", count))
    return redirect(url_for(".index"))
