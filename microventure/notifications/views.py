"""The in-app inbox, e-mail preferences, and the district admin's list of undelivered e-mails."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from microventure.core.forms import perform, safe_next
from microventure.core.policy import authorize
from microventure.extensions import db
from microventure.notifications import queries, services
from microventure.notifications.forms import EmailPreferencesForm
from microventure.notifications.kinds import KINDS
from microventure.notifications.models import Notification

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _unread_notifications():
    """``unread_notifications()`` for the navbar. Lazy and cached in ``g`` so that only a page
    that shows it pays for it, once per request: e-mails rendered by ``notify`` do not."""

    def unread_notifications() -> int:
        if "unread_notifications" not in g:
            g.unread_notifications = (
                services.unread_count(current_user) if current_user.is_authenticated else 0
            )
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


@bp.get("/inbox")
@login_required
def inbox():
    page = max(request.args.get("page", 1, type=int), 1)
    return render_template(
        "notifications/inbox.html", pagination=queries.inbox_page(current_user, page=page)
    )


@bp.get("/inbox/<int:notification_id>", endpoint="open")
@login_required
def open_notification(notification_id: int):
    notification = queries.own_notification(current_user, notification_id) or abort(404)
    link = notification.link
    perform(lambda: services.mark_read(user=current_user, notification_id=notification.id))
    return redirect(safe_next(link) or url_for(".inbox"))


@bp.post("/inbox/read")
@login_required
def mark_all_read():
    if perform(lambda: services.mark_read(user=current_user)):
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for(".inbox"))


@bp.route("/inbox/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = EmailPreferencesForm()
    if form.validate_on_submit() and perform(
        lambda: services.set_email_preferences(
            user=current_user, emailed_kinds=set(form.emailed_kinds.data or ())
        ),
        form,
    ):
        flash(_("Your e-mail preferences are saved."), "success")
        return redirect(url_for(".preferences"))
    if request.method == "GET":
        form.emailed_kinds.data = sorted(queries.emailed_kinds(current_user, list(KINDS)))
    return render_template("notifications/preferences.html", form=form)


@bp.get("/admin/notifications/failed")
@login_required
def failed():
    authorize(current_user, "notification.admin")
    undelivered = queries.undelivered()
    return render_template(
        "notifications/admin_failed.html",
        failed=undelivered.failed,
        retrying=undelivered.retrying,
        unfinished=undelivered.unfinished,
        kinds=KINDS,
    )


@bp.post("/admin/notifications/<int:notification_id>/resend")
@login_required
def resend(notification_id: int):
    authorize(current_user, "notification.admin")
    notification = db.session.get(Notification, notification_id) or abort(404)
    if perform(lambda: services.resend(notification=notification, actor=current_user)):
        flash(_("The e-mail will be sent again."), "success")
    return redirect(url_for(".failed"))
