"""Every kind of notification: who gets it is the caller's business; what it says is here.
Subjects and bodies are msgids with %(name)s placeholders, rendered in the recipient's language."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    title: str  # for the preferences page
    subject: str
    body: str


KINDS: dict[str, Kind] = {
    "application.submitted": Kind(
        _l("Application received"),
        _l("Application %(reference)s received"),
        _l(
            "Your application “%(title)s” to %(call)s has been received with reference number %(reference)s. We will tell you the result of the screening."
        ),
    ),
    "application.returned": Kind(
        _l("Application returned for revision"),
        _l("Application %(reference)s returned for revision"),
        _l(
            "Your application “%(title)s” has been returned for revision: %(reason)s Please revise and resubmit it."
        ),
    ),
    "application.ineligible": Kind(
        _l("Application ineligible"),
        _l("Application %(reference)s is ineligible"),
        _l("Your application “%(title)s” did not pass screening: %(reason)s"),
    ),
    "application.eligible": Kind(
        _l("Application passed screening"),
        _l("Application %(reference)s passed screening"),
        _l("Your application “%(title)s” passed screening and goes to expert review."),
    ),
    "review.assigned": Kind(
        _l("Review assigned"),
        _l("New application to review: %(reference)s"),
        _l(
            "You have been asked to review application %(reference)s in %(call)s by %(due)s. Please sign the no-conflict declaration first."
        ),
    ),
    "review.conflict_declared": Kind(
        _l("Conflict of interest declared"),
        _l("%(reviewer)s declared a conflict on %(reference)s"),
        _l(
            "%(reviewer)s declared a conflict of interest on application %(reference)s: %(reason)s The assignment is released; please assign another reviewer."
        ),
    ),
    "review.reopened": Kind(
        _l("Review reopened"),
        _l("Your review of %(reference)s was reopened"),
        _l(
            "Your submitted review of application %(reference)s has been reopened so you can change it: %(reason)s"
        ),
    ),
    "organization.verified": Kind(
        _l("Organisation verified"),
        _l("%(organization)s is verified"),
        _l("%(organization)s has been verified and can now apply to open calls."),
    ),
    "organization.rejected": Kind(
        _l("Organisation not verified"),
        _l("%(organization)s was not verified"),
        _l("%(organization)s could not be verified: %(reason)s"),
    ),
    "account.password_reset": Kind(
        _l("Password reset"),
        _l("Reset your password"),
        _l(
            "Someone asked to reset the password of your account. If it was you, open the link within %(minutes)s minutes to choose a new password; it works once. If it was not you, ignore this message."
        ),
    ),
    "account.login_paused": Kind(
        _l("Log-ins paused after wrong passwords"),
        _l("Log-ins to your account are paused"),
        _l(
            "%(failures)s wrong passwords were tried for your account, so its log-ins are paused for %(minutes)s minutes. If it was not you, someone may be guessing your password: open the link to reset it by e-mail, which also ends the pause."
        ),
    ),
    "account.confirm_email": Kind(
        _l("E-mail address confirmation"),
        _l("Confirm your e-mail address"),
        _l("Please confirm that this is your e-mail address by opening the link."),
    ),
    "review.reminder": Kind(
        _l("Reminder from the organisers"),
        _l("%(count)s review(s) wait for you in %(call)s"),
        _l(
            "The organisers of %(call)s remind you that %(count)s of your reviews are not submitted yet (%(overdue)s overdue)."
        ),
    ),
    "decision.recommended": Kind(
        _l("Recommended for funding"),
        _l("Application %(reference)s is recommended for funding"),
        _l(
            "Your application “%(title)s” is recommended for a grant of %(amount)s. The public notice runs until %(ends_on)s; the result is final after it."
        ),
    ),
    "decision.not_recommended": Kind(
        _l("Not recommended for funding"),
        _l("Application %(reference)s is not recommended"),
        _l("Your application “%(title)s” is not recommended for funding: %(reason)s"),
    ),
    "decision.revoked": Kind(
        _l("Recommendation withdrawn after an objection"),
        _l("The recommendation of %(reference)s is withdrawn"),
        _l(
            "An objection to your application “%(title)s” during the public notice was upheld and its recommendation is withdrawn: %(reason)s"
        ),
    ),
    "decision.approved": Kind(
        _l("Grant approved"),
        _l("Application %(reference)s is approved"),
        _l(
            "Your application “%(title)s” is approved for a grant of %(amount)s. It is now a project: sign the agreement to receive the first tranche."
        ),
    ),
    "decision.rejected": Kind(
        _l("Application not funded"),
        _l("Application %(reference)s is not funded"),
        _l("Your application “%(title)s” is not funded in this round: %(reason)s"),
    ),
    "objection.received": Kind(
        _l("Objection received during a notice"),
        _l("Objection to the notice of %(call)s"),
        _l(
            "An objection has been lodged against the public notice of %(call)s (project: %(project)s). Please resolve it before finalizing the call."
        ),
    ),
    "tranche.due": Kind(
        _l("Tranche due"),
        _l("Tranche %(position)s of %(agreement)s is due"),
        _l(
            "Tranche %(position)s (%(amount)s) of project “%(project)s” (%(agreement)s) is now due for payment."
        ),
    ),
    "tranche.paid": Kind(
        _l("Tranche paid"),
        _l("Tranche %(position)s of “%(project)s” paid"),
        _l("Tranche %(position)s (%(amount)s) of project “%(project)s” was paid on %(paid_on)s."),
    ),
    "activity.returned": Kind(
        _l("Activity record returned"),
        _l("Activity record “%(title)s” returned for revision"),
        _l(
            "Your activity record “%(title)s” of project “%(project)s” was returned for revision: %(comment)s"
        ),
    ),
    "report.submitted": Kind(
        _l("Report submitted for review"),
        _l("%(report)s of “%(project)s” submitted"),
        _l("The %(report)s of project “%(project)s” has been submitted and waits for your review."),
    ),
    "report.accepted": Kind(
        _l("Report accepted"),
        _l("%(report)s of “%(project)s” accepted"),
        _l("The %(report)s of project “%(project)s” has been accepted."),
    ),
    "report.returned": Kind(
        _l("Report returned"),
        _l("%(report)s of “%(project)s” returned for revision"),
        _l(
            "The %(report)s of project “%(project)s” was returned for revision: %(reason)s Please revise and submit it again."
        ),
    ),
    "report.failed": Kind(
        _l("Report evaluation failed"),
        _l("%(report)s of “%(project)s” failed evaluation"),
        _l(
            "The %(report)s of project “%(project)s” failed its evaluation and the tranche that depended on it is withheld: %(reason)s"
        ),
    ),
    "reminder.call_closing": Kind(
        _l("Call closing with your draft unsubmitted"),
        _l("%(call)s closes in %(days)s day(s): your draft is not submitted"),
        _l(
            "Your draft “%(title)s” to %(call)s has not been submitted yet. The call closes at %(closes)s (Beijing time)."
        ),
    ),
    "reminder.review_due": Kind(
        _l("Review due soon"),
        _l("Review of %(reference)s due on %(due)s"),
        _l("Your review of application %(reference)s is due on %(due)s."),
    ),
    "reminder.review_overdue": Kind(
        _l("Review overdue"),
        _l("Review of %(reference)s is overdue"),
        _l(
            "Your review of application %(reference)s was due on %(due)s. Please submit it, or declare a conflict of interest if you cannot review it."
        ),
    ),
    "reminder.report_due": Kind(
        _l("Report due soon"),
        _l("%(report)s of “%(project)s” due on %(due)s"),
        _l("The %(report)s of project “%(project)s” is due on %(due)s (in %(days)s day(s))."),
    ),
    "reminder.report_overdue": Kind(
        _l("Report overdue"),
        _l("%(report)s of “%(project)s” is overdue"),
        _l("The %(report)s of project “%(project)s” was due on %(due)s. Please submit it."),
    ),
    "reminder.no_activity": Kind(
        _l("No activity recorded recently"),
        _l("No activity recorded for “%(project)s” in %(days)s days"),
        _l(
            "Project “%(project)s” has recorded no activity in the last %(days)s days. Record each activity right after it is held."
        ),
    ),
    "reminder.notice_ended": Kind(
        _l("Public notice ended"),
        _l("The notice of %(call)s has ended"),
        _l(
            "The public notice of %(call)s ended on %(ends_on)s with %(open)s objection(s) open. Resolve them and finalize the call."
        ),
    ),
    "digest.street_admin": Kind(
        _l("Daily digest of what waits on you"),
        _l("Daily digest: %(total)s item(s) wait on you"),
        _l(
            "Applications waiting for screening: %(screening)s. Assignments released by a declared conflict and not yet reassigned: %(reassign)s. Objections open: %(objections)s. Tranches due for payment: %(tranches)s. Reports waiting for review: %(reports)s. Activity records waiting for review: %(activities)s."
        ),
    ),
    "digest.calendar_not_covered": Kind(
        _l("Working-day calendar not entered for next year"),
        _l("Enter the working-day calendar for %(year)s"),
        _l(
            "The working-day calendar for %(year)s has not been entered yet. Once the State Council publishes its holiday schedule, enter the public holidays and make-up working days on the working-day calendar page; until then no notice whose window reaches %(year)s can be published."
        ),
    ),
}
