"""Every registered route × every role: what each gets for GET, and that a POST it is refused
changes nothing (every table's row count, the audit trail included). A route without an entry
fails the test, so no new route can quietly open a hole. Every logged-in role's client also
sends a write token of its account (``Authorization: Bearer``): the API answers as that role, the
pages as the session's (a token never opens a page). A PUT route's write is asked like a POST.

The roles (tests/helpers_trust.py): anonymous, the applicant of the owning organisation, an
applicant of another organisation, the reviewer assigned, a reviewer not assigned, the street
admin of the street, a street admin of another street, the district admin. Objects belong to the
applicant's organisation in 南村镇 (reviewing: an application of the district's round that
reviewer1 is assigned).

Each entry is the answers in that role order, one letter each:
``2`` 200, ``L`` redirect to the log-in page, ``R`` another redirect, ``A`` 401 (the API
without a token), ``3`` 403, ``4`` 404, ``5`` 405 (no such method), ``C`` 409, ``0`` 410,
``J`` 415 (not JSON), ``U`` 422. For POST, ``+`` means the role may post (not tried here:
tests/test_every_post_route.py posts each route as a user who may); any other letter is the
refusal it gets for an empty form, after which nothing may have changed. For a new route, the
failure shows the line to add (GET answers, and ``+`` for every role's POST: turn the roles
that may not post into any other letter and run again to see their refusals)."""

import pytest

from microventure.extensions import db
from tests.helpers_trust import clients, demo_app, dispose, row_counts
from tests.helpers_world import World


class Ids(World):
    """The objects the routes are asked about, looked up once."""

    def __init__(self):
        q = self.id
        self.org_id = self.org_of("applicant@demo.local")
        self.round = self.call("NC-2026-01")  # the street's finalized round
        self.open_call = q("SELECT id FROM calls WHERE code = 'NC-2026-MCT'")
        self.district_call = q("SELECT id FROM calls WHERE code = 'PY-2026-MCT'")
        self.application = q(
            "SELECT id FROM applications WHERE reference = 'NC-2026-01-001'"
        )  # approved: project 1
        self.draft = self.draft_with_attachment()
        self.attachment_id = self.attachment()
        self.reviewed = q(
            "SELECT a.id FROM applications a JOIN assignments s ON s.application_id = a.id "
            "JOIN users u ON u.id = s.reviewer_id WHERE a.organization_id = :o "
            "AND a.call_id = :c AND u.email = 'reviewer1@demo.local' ORDER BY a.id LIMIT 1",
            o=self.org_id,
            c=self.district_call,
        )
        self.assignment = q(
            "SELECT s.id FROM assignments s JOIN users u ON u.id = s.reviewer_id "
            "WHERE s.application_id = :a AND u.email = 'reviewer1@demo.local'",
            a=self.reviewed,
        )
        self.project_id = q("SELECT id FROM projects WHERE application_id = :a", a=self.application)
        self.activity = q(
            "SELECT min(id) FROM activity_records WHERE project_id = :p", p=self.project_id
        )
        self.session_id = q(
            "SELECT min(id) FROM attendance_sessions WHERE project_id = :p", p=self.project_id
        )
        self.file = q("SELECT min(id) FROM project_files WHERE project_id = :p", p=self.project_id)
        self.tranche_id = q("SELECT min(id) FROM tranches WHERE project_id = :p", p=self.project_id)
        self.expenditure_id = q(
            "SELECT min(e.id) FROM expenditures e JOIN reports r ON r.id = e.report_id "
            "WHERE r.project_id = :p AND r.kind = 'midterm'",
            p=self.project_id,
        )
        self.fund_id = q("SELECT fund_id FROM calls WHERE id = :c", c=self.round)
        self.applicant = self.user("applicant@demo.local")
        self.reviewer = self.user("reviewer1@demo.local")
        self.profile_id = self.profile("reviewer1@demo.local")
        self.grant_id = self.grant("street@demo.local")
        self.membership_id = self.membership("applicant@demo.local", "applicant@demo.local")
        self.notification = q(
            "SELECT min(id) FROM notifications WHERE recipient_id = :u", u=self.applicant
        )
        self.objection_id = 999_999
        self.question_id = q(
            "SELECT min(id) FROM call_questions WHERE call_id = :c", c=self.open_call
        )
        self.template_id = q("SELECT coalesce(min(id), 999999) FROM question_templates")
        self.exclusion_id = self.exclusion()
        self.job = 999_999
        self.api_token = self.token_of("applicant@demo.local")


U = {  # endpoint -> the path asked, from the Ids
    "core.index": lambda i: "/",
    "core.favicon": lambda i: "/favicon.ico",
    "core.healthz": lambda i: "/healthz",
    "metrics.metrics": lambda i: "/metrics",
    "static": lambda i: "/static/app.css",
    "auth.login": lambda i: "/auth/login",
    "auth.logout": lambda i: "/auth/logout",
    "auth.signup": lambda i: "/auth/signup",
    "auth.forgot_password": lambda i: "/auth/forgot",
    "auth.reset_password": lambda i: "/auth/reset/not-a-token",
    "auth.confirm_email": lambda i: "/auth/confirm/not-a-token",
    "elder_mode.switch": lambda i: "/elder-mode",
    "accounts.my_organizations": lambda i: "/organizations/mine",
    "accounts.organization": lambda i: f"/organizations/{i.org_id}",
    "accounts.add_member": lambda i: f"/organizations/{i.org_id}/members",
    "accounts.remove_member": lambda i: (
        f"/organizations/{i.org_id}/members/{i.membership_id}/remove"
    ),
    "accounts.profile": lambda i: "/profile",
    "accounts.resend_confirmation": lambda i: "/profile/confirmation",
    "accounts.change_password": lambda i: "/profile/password",
    "accounts.api_tokens_page": lambda i: "/profile/tokens",
    "accounts.revoke_api_token": lambda i: f"/profile/tokens/{i.api_token}/revoke",
    "api_applications.list_applications": lambda i: "/api/v1/applications",
    "api_applications.start_application": lambda i: "/api/v1/applications",
    "api_applications.get_application": lambda i: f"/api/v1/applications/{i.draft}",
    "api_applications.save_draft": lambda i: f"/api/v1/applications/{i.draft}",
    "api_applications.submit_application": lambda i: f"/api/v1/applications/{i.draft}/submit",
    "api_applications.add_attachment": lambda i: f"/api/v1/applications/{i.draft}/attachments",
    "api_projects.list_projects": lambda i: "/api/v1/projects",
    "api_projects.get_project": lambda i: f"/api/v1/projects/{i.project_id}",
    "api_projects.list_activities": lambda i: f"/api/v1/projects/{i.project_id}/activities",
    "api_projects.record_activity": lambda i: f"/api/v1/projects/{i.project_id}/activities",
    "api_projects.get_activity": lambda i: (
        f"/api/v1/projects/{i.project_id}/activities/{i.activity}"
    ),
    "api_admin.screening_list": lambda i: f"/api/v1/admin/calls/{i.round}/applications",
    "api_admin.call_ranking": lambda i: f"/api/v1/admin/calls/{i.round}/ranking",
    "admin.organizations": lambda i: "/admin/organizations",
    "admin.add_exclusion": lambda i: f"/admin/organizations/{i.org_id}/exclusions",
    "admin.set_verification": lambda i: f"/admin/organizations/{i.org_id}/verification",
    "admin.verify_many": lambda i: "/admin/organizations/verification",
    "admin.lift_exclusion": lambda i: f"/admin/exclusions/{i.exclusion_id}/lift",
    "admin.users": lambda i: "/admin/users",
    "admin.user": lambda i: f"/admin/users/{i.applicant}",
    "admin.set_active": lambda i: f"/admin/users/{i.applicant}/active",
    "admin.grant_role": lambda i: f"/admin/users/{i.applicant}/roles",
    "admin.revoke_role": lambda i: f"/admin/roles/{i.grant_id}/revoke",
    "calendar.index": lambda i: "/admin/calendar",
    "calendar.save": lambda i: "/admin/calendar",
    "funds.index": lambda i: "/admin/funds",
    "funds.new": lambda i: "/admin/funds/new",
    "funds.detail": lambda i: f"/admin/funds/{i.fund_id}",
    "funds.ledger": lambda i: f"/admin/funds/{i.fund_id}/ledger",
    "funds.add_contribution": lambda i: f"/admin/funds/{i.fund_id}/contributions",
    "calls.index": lambda i: "/calls",
    "api-docs.openapi_json": lambda i: "/api/v1/openapi.json",
    "api_docs.documentation": lambda i: "/api/v1/docs",
    "api_calls.list_calls": lambda i: "/api/v1/calls",
    "api_calls.get_call": lambda i: f"/api/v1/calls/{i.open_call}",
    "api_notices.list_notices": lambda i: "/api/v1/notices",
    "api_notices.get_notice": lambda i: f"/api/v1/notices/{i.round}",
    "api_funded_projects.list_funded_projects": lambda i: "/api/v1/funded-projects",
    "api_results.get_results": lambda i: "/api/v1/results",
    "calls.detail": lambda i: f"/calls/{i.open_call}",
    "calls.admin_index": lambda i: "/admin/calls",
    "calls.admin_detail": lambda i: f"/admin/calls/{i.round}",
    "calls.new": lambda i: "/admin/calls/new",
    "calls.edit": lambda i: f"/admin/calls/{i.open_call}/edit",
    "calls.publish": lambda i: f"/admin/calls/{i.open_call}/publish",
    "calls.close": lambda i: f"/admin/calls/{i.open_call}/close",
    "calls.copy": lambda i: f"/admin/calls/{i.round}/copy",
    "calls.questions_page": lambda i: f"/admin/calls/{i.open_call}/questions",
    "calls.question_from_library": lambda i: f"/admin/calls/{i.open_call}/questions/from-library",
    "calls.question_edit": lambda i: f"/admin/calls/{i.open_call}/questions/{i.question_id}",
    "calls.question_remove": (
        lambda i: f"/admin/calls/{i.open_call}/questions/{i.question_id}/remove"
    ),
    "calls.question_move": lambda i: f"/admin/calls/{i.open_call}/questions/{i.question_id}/move",
    "calls.question_library": lambda i: "/admin/question-library",
    "calls.question_template_archive": (
        lambda i: f"/admin/question-library/{i.template_id}/archive"
    ),
    "applications.start": lambda i: f"/calls/{i.open_call}/apply",
    "applications.mine": lambda i: "/applications",
    "applications.detail": lambda i: f"/applications/{i.draft}",
    "applications.edit": lambda i: f"/applications/{i.draft}/edit",
    "applications.print": lambda i: f"/applications/{i.application}/print",
    "applications.upload": lambda i: f"/applications/{i.draft}/attachments",
    "applications.remove_attachment": lambda i: (
        f"/applications/{i.draft}/attachments/{i.attachment_id}/remove"
    ),
    "applications.withdraw": lambda i: f"/applications/{i.draft}/withdraw",
    "applications.attachment": lambda i: f"/attachments/{i.attachment_id}",
    "screening.index": lambda i: f"/admin/calls/{i.round}/applications",
    "screening.screen": lambda i: f"/admin/applications/{i.application}/screening",
    "screening.bulk": lambda i: f"/admin/calls/{i.round}/applications/bulk",
    "screening.version": lambda i: f"/applications/{i.application}/versions/1",
    "stats_exports.applications_xlsx": lambda i: f"/admin/calls/{i.round}/applications.xlsx",
    "review_admin.assignments": lambda i: f"/admin/calls/{i.round}/assignments",
    "review_admin.assign": lambda i: f"/admin/calls/{i.round}/assignments",
    "review_admin.auto_preview": lambda i: f"/admin/calls/{i.round}/assignments/auto",
    "review_admin.auto_apply": lambda i: f"/admin/calls/{i.round}/assignments/auto",
    "review_admin.progress": lambda i: f"/admin/calls/{i.round}/review-progress",
    "review_admin.remind": lambda i: f"/admin/calls/{i.round}/reviewers/{i.reviewer}/remind",
    "review_admin.reassign": lambda i: f"/admin/assignments/{i.assignment}/reassign",
    "review_admin.reopen": lambda i: f"/admin/assignments/{i.assignment}/reopen",
    "review_admin.pool": lambda i: "/admin/reviewers",
    "review_admin.edit": lambda i: f"/admin/reviewers/{i.profile_id}",
    "review_admin.record_conflict": lambda i: f"/admin/reviewers/{i.profile_id}/conflicts",
    "review_admin.import_reviewers": lambda i: "/admin/reviewers/import",
    "review_admin.import_template": lambda i: "/admin/reviewers/import/template.xlsx",
    "review_admin.add": lambda i: "/admin/reviewers/new",
    "reviewing.index": lambda i: "/reviews",
    "reviewing.assignment": lambda i: f"/reviews/{i.assignment}",
    "reviewing.attachment": lambda i: f"/reviews/{i.assignment}/attachments/{i.attachment_id}",
    "reviewing.conflict": lambda i: f"/reviews/{i.assignment}/conflict",
    "reviewing.declare": lambda i: f"/reviews/{i.assignment}/declaration",
    "reviewing.score": lambda i: f"/reviews/{i.assignment}/review",
    "reviewing.declaration_list": lambda i: "/reviews/declaration",
    "reviewing.declare_list": lambda i: "/reviews/declaration",
    "ranking.index": lambda i: f"/admin/calls/{i.round}/ranking",
    "ranking.export": lambda i: f"/admin/calls/{i.round}/ranking.xlsx",
    "decisions.index": lambda i: f"/admin/calls/{i.round}/decisions",
    "decisions.decide": lambda i: f"/admin/calls/{i.round}/decisions/{i.application}",
    "decisions.bulk": lambda i: f"/admin/calls/{i.round}/decisions/bulk",
    "decisions.finalize": lambda i: f"/admin/calls/{i.round}/finalize",
    "decisions.notice": lambda i: f"/admin/calls/{i.round}/notice",
    "decisions.publish": lambda i: f"/admin/calls/{i.round}/notice/publish",
    "decisions.resolve": lambda i: f"/admin/calls/{i.round}/objections/{i.objection_id}/resolve",
    "stats_exports.notice_xlsx": lambda i: f"/admin/calls/{i.round}/notice.xlsx",
    "notices.index": lambda i: "/notices",
    "notices.show": lambda i: f"/notices/{i.round}",
    "notices.lodge": lambda i: f"/notices/{i.round}/objections",
    "results.index": lambda i: "/results",
    "projects.mine": lambda i: "/projects",
    "projects.detail": lambda i: f"/projects/{i.project_id}",
    "projects.file": lambda i: f"/projects/{i.project_id}/files/{i.file}",
    "projects_admin.index": lambda i: "/admin/projects",
    "projects_admin.change_state": lambda i: f"/admin/projects/{i.project_id}/suspend",
    "projects_admin.sign": lambda i: f"/admin/projects/{i.project_id}/sign",
    "projects_admin.pay": lambda i: f"/admin/projects/tranches/{i.tranche_id}/pay",
    "projects_admin.withhold": lambda i: f"/admin/projects/tranches/{i.tranche_id}/withhold",
    "payments.due": lambda i: "/admin/payments",
    "payments.pay_many": lambda i: "/admin/payments/record",
    "activities.index": lambda i: f"/projects/{i.project_id}/activities",
    "activities.new": lambda i: f"/projects/{i.project_id}/activities/new",
    "activities.detail": lambda i: f"/projects/{i.project_id}/activities/{i.activity}",
    "activities.edit": lambda i: f"/projects/{i.project_id}/activities/{i.activity}/edit",
    "activities.accept": lambda i: f"/projects/{i.project_id}/activities/{i.activity}/accept",
    "activities.return_": lambda i: f"/projects/{i.project_id}/activities/{i.activity}/return",
    "activity_review.waiting": lambda i: "/admin/activities",
    "activity_review.accept_many": lambda i: "/admin/activities/accept",
    "reports.budget": lambda i: f"/projects/{i.project_id}/budget",
    "reports.edit": lambda i: f"/projects/{i.project_id}/reports/midterm",
    "reports.add_expenditure": lambda i: f"/projects/{i.project_id}/reports/midterm/expenditures",
    "reports.remove_expenditure": lambda i: (
        f"/projects/{i.project_id}/reports/midterm/expenditures/{i.expenditure_id}/remove"
    ),
    "reports.review": lambda i: f"/projects/{i.project_id}/reports/midterm/review",
    "reports.version": lambda i: f"/projects/{i.project_id}/reports/midterm/versions/1",
    "attendance.index": lambda i: f"/projects/{i.project_id}/check-in",
    "attendance.open_": lambda i: f"/projects/{i.project_id}/check-in",
    "attendance.show": lambda i: f"/projects/{i.project_id}/check-in/{i.session_id}",
    "attendance.link": lambda i: f"/projects/{i.project_id}/check-in/{i.session_id}/link",
    "attendance.qr": lambda i: f"/projects/{i.project_id}/check-in/{i.session_id}/qr.svg",
    "attendance.rotate": lambda i: f"/projects/{i.project_id}/check-in/{i.session_id}/rotate",
    "attendance.sheet": lambda i: f"/projects/{i.project_id}/check-in/{i.session_id}/sheet",
    "attendance.sign": lambda i: f"/projects/{i.project_id}/check-in/{i.session_id}/sign",
    "attendance.scan": lambda i: "/c/not-a-token",
    "attendance.check_in": lambda i: "/c/not-a-token",
    "attendance.check_out": lambda i: "/c/not-a-token/out",
    "notifications.inbox": lambda i: "/inbox",
    "notifications.open": lambda i: f"/inbox/{i.notification}",
    "notifications.preferences": lambda i: "/inbox/preferences",
    "notifications.mark_all_read": lambda i: "/inbox/read",
    "notifications.failed": lambda i: "/admin/notifications/failed",
    "notifications.resend": lambda i: f"/admin/notifications/{i.notification}/resend",
    "stats.dashboard": lambda i: "/admin/stats",
    "stats_exports.dashboard_xlsx": lambda i: "/admin/stats.xlsx",
    "stats_exports.activities_xlsx": lambda i: "/admin/stats/activities.xlsx",
    "stats_exports.ledger_xlsx": lambda i: "/admin/stats/ledger.xlsx",
    "stats_exports.report_pdf": lambda i: "/admin/stats/report.pdf",
    "stats_exports.job": lambda i: f"/admin/stats/exports/{i.job}",
    "stats_exports.job_file": lambda i: f"/admin/stats/exports/{i.job}/file",
}

# endpoint -> (GET answers, POST answers), in the order of ROLES:
# anonymous, applicant, other applicant, reviewer, other reviewer, street admin, other street
# admin, district admin
EXPECTED: dict[str, tuple[str, str]] = {
    "accounts.add_member": ("55555555", "L+444342"),
    "accounts.change_password": ("55555555", "L2222222"),
    "accounts.my_organizations": ("LRR22222", "55555555"),
    "accounts.organization": ("L2444242", "55555555"),
    "accounts.profile": ("L2222222", "L+++++++"),
    "accounts.remove_member": ("55555555", "L+44434+"),
    "accounts.resend_confirmation": ("55555555", "L+++++++"),
    "activities.accept": ("55555555", "L3444+4+"),
    "activities.detail": ("L2444242", "55555555"),
    "activities.edit": ("LR444343", "L+444343"),
    "activities.index": ("L2444242", "55555555"),
    "activities.new": ("L2444343", "L+444343"),
    "activities.return_": ("55555555", "L3444+4+"),
    "activity_review.accept_many": ("55555555", "L3333+R+"),
    "activity_review.waiting": ("L3333222", "55555555"),
    "admin.add_exclusion": ("55555555", "L344434+"),
    "admin.grant_role": ("55555555", "L333333+"),
    "admin.lift_exclusion": ("55555555", "L333333+"),
    "admin.organizations": ("L3333222", "55555555"),
    "admin.revoke_role": ("55555555", "L333333+"),
    "admin.set_active": ("55555555", "L333333+"),
    "admin.set_verification": ("55555555", "L344434+"),
    "admin.user": ("L3333332", "55555555"),
    "admin.users": ("L3333332", "55555555"),
    "admin.verify_many": ("55555555", "L333333+"),
    "applications.attachment": ("L2444444", "55555555"),
    "applications.detail": ("L2444444", "55555555"),
    "applications.edit": ("L2444444", "L+444444"),
    "applications.mine": ("L2222222", "55555555"),
    "applications.print": ("L2444242", "55555555"),
    "applications.remove_attachment": ("55555555", "L+444444"),
    "applications.start": ("55555555", "L++33333"),
    "applications.upload": ("55555555", "L+444444"),
    "applications.withdraw": ("55555555", "L+444444"),
    "attendance.check_in": ("55555555", "++++++++"),
    "attendance.check_out": ("55555555", "++++++++"),
    "attendance.index": ("L2444242", "55555555"),
    "attendance.link": ("55555555", "L+444343"),
    "attendance.open_": ("55555555", "L+444343"),
    "attendance.qr": ("L2444242", "55555555"),
    "attendance.rotate": ("55555555", "L+444343"),
    "attendance.scan": ("00000000", "55555555"),
    "attendance.sheet": ("L2444242", "55555555"),
    "attendance.show": ("L2444242", "55555555"),
    "attendance.sign": ("L2444242", "55555555"),
    "auth.confirm_email": ("RRRRRRRR", "55555555"),
    "auth.forgot_password": ("22222222", "++++++++"),
    "auth.login": ("22222222", "++++++++"),
    "auth.logout": ("55555555", "L+++++++"),
    "auth.reset_password": ("RRRRRRRR", "++++++++"),
    "auth.signup": ("2RRRRRRR", "++++++++"),
    "calendar.index": ("L3333332", "55555555"),
    "calendar.save": ("55555555", "L333333+"),
    "calls.admin_detail": ("L4444242", "55555555"),
    "calls.admin_index": ("L3333222", "55555555"),
    "calls.close": ("55555555", "L4444+4+"),
    "calls.copy": ("55555555", "L4444+4+"),
    "calls.detail": ("22222222", "55555555"),
    "calls.edit": ("L4444R4R", "L4444+4+"),
    "calls.index": ("22222222", "55555555"),
    "calls.new": ("L3333222", "L3333+2+"),
    "calls.publish": ("55555555", "L4444+4+"),
    "calls.questions_page": ("L4444242", "L4444+4+"),
    "calls.question_from_library": ("55555555", "L4444+4+"),
    "calls.question_edit": ("L4444242", "L4444+4+"),
    "calls.question_remove": ("55555555", "L4444+4+"),
    "calls.question_move": ("55555555", "L4444+4+"),
    "calls.question_library": ("L3333332", "L333333+"),
    "calls.question_template_archive": ("55555555", "L333333+"),
    "core.favicon": ("22222222", "55555555"),
    "core.healthz": ("22222222", "55555555"),
    "core.index": ("22222222", "55555555"),
    "decisions.bulk": ("55555555", "L4444+4+"),
    "decisions.decide": ("55555555", "L4444+4+"),
    "decisions.finalize": ("55555555", "L4444+4+"),
    "decisions.index": ("L4444242", "55555555"),
    "decisions.notice": ("L4444242", "55555555"),
    "decisions.publish": ("55555555", "L4444+4+"),
    "decisions.resolve": ("55555555", "L4444+4+"),
    "elder_mode.switch": ("55555555", "++++++++"),
    "funds.add_contribution": ("55555555", "L4444+4+"),
    "funds.detail": ("L4444242", "55555555"),
    "funds.index": ("L3333222", "55555555"),
    "funds.ledger": ("L4444242", "55555555"),
    "funds.new": ("L3333222", "L3333+2+"),
    "metrics.metrics": ("44444444", "55555555"),
    "notices.index": ("22222222", "55555555"),
    "notices.lodge": ("55555555", "++++++++"),
    "notices.show": ("22222222", "55555555"),
    "notifications.failed": ("L3333332", "55555555"),
    "notifications.inbox": ("L2222222", "55555555"),
    "notifications.mark_all_read": ("55555555", "L+++++++"),
    "notifications.open": ("LR444444", "55555555"),
    "notifications.preferences": ("L2222222", "L+++++++"),
    "notifications.resend": ("55555555", "L333333+"),
    "payments.due": ("L3333222", "55555555"),
    "payments.pay_many": ("55555555", "L3333+U+"),
    "projects.detail": ("L2444242", "55555555"),
    "projects.file": ("L2444242", "55555555"),
    "projects.mine": ("L2222222", "55555555"),
    "projects_admin.change_state": ("55555555", "L3444+4+"),
    "projects_admin.index": ("L3333222", "55555555"),
    "projects_admin.pay": ("55555555", "L3444+4+"),
    "projects_admin.sign": ("55555555", "L3444+4+"),
    "projects_admin.withhold": ("55555555", "L3444+4+"),
    "ranking.export": ("L4444242", "55555555"),
    "ranking.index": ("L4444242", "55555555"),
    "reports.add_expenditure": ("55555555", "L+444343"),
    "reports.budget": ("L2444242", "55555555"),
    "reports.edit": ("L2444242", "L+444343"),
    "reports.remove_expenditure": ("55555555", "L+444343"),
    "reports.review": ("55555555", "L3444+4+"),
    "reports.version": ("L2444242", "55555555"),
    "results.index": ("22222222", "55555555"),
    "review_admin.add": ("L3333332", "L333333+"),
    "review_admin.assign": ("55555555", "L4444+4+"),
    "review_admin.assignments": ("L4444242", "55555555"),
    "review_admin.auto_apply": ("55555555", "L4444+4+"),
    "review_admin.auto_preview": ("L4444242", "55555555"),
    "review_admin.edit": ("L3333332", "L333333+"),
    "review_admin.import_reviewers": ("L3333332", "L333333+"),
    "review_admin.import_template": ("L3333332", "55555555"),
    "review_admin.pool": ("L3333332", "55555555"),
    "review_admin.progress": ("L4444242", "55555555"),
    "review_admin.reassign": ("55555555", "L4444+4+"),
    "review_admin.record_conflict": ("55555555", "L333333+"),
    "review_admin.remind": ("55555555", "L4444+4+"),
    "review_admin.reopen": ("55555555", "L4444+4+"),
    "reviewing.assignment": ("L4424444", "55555555"),
    "reviewing.attachment": ("L4444444", "55555555"),
    "reviewing.conflict": ("55555555", "L44+4444"),
    "reviewing.declaration_list": ("L3322333", "55555555"),
    "reviewing.declare": ("55555555", "L44+4444"),
    "reviewing.declare_list": ("55555555", "L33++333"),
    "reviewing.index": ("L3322333", "55555555"),
    "reviewing.score": ("55555555", "L44+4444"),
    "screening.bulk": ("55555555", "L4444+4+"),
    "screening.index": ("L4444242", "55555555"),
    "screening.screen": ("55555555", "L3444+4+"),
    "screening.version": ("L2444242", "55555555"),
    "static": ("22222222", "55555555"),
    "accounts.api_tokens_page": ("L2222222", "L+++++++"),
    "accounts.revoke_api_token": ("55555555", "L+444444"),
    "api_applications.list_applications": ("A2222222", "55555555"),
    "api_applications.start_application": ("55555555", "A++JJJJJ"),
    "api_applications.get_application": ("A2444444", "55555555"),
    "api_applications.save_draft": ("55555555", "A+JJJJJJ"),
    "api_applications.submit_application": ("55555555", "A+444444"),
    "api_applications.add_attachment": ("55555555", "A+UUUUUU"),
    "api_projects.list_projects": ("A2222222", "55555555"),
    "api_projects.get_project": ("A2444444", "55555555"),
    "api_projects.list_activities": ("A2444242", "55555555"),
    "api_projects.record_activity": ("55555555", "A+UUUUUU"),
    "api_projects.get_activity": ("A2444242", "55555555"),
    "api_admin.screening_list": ("A4444242", "55555555"),
    "api_admin.call_ranking": ("A4444242", "55555555"),
    "api-docs.openapi_json": ("22222222", "55555555"),
    "api_docs.documentation": ("22222222", "55555555"),
    "api_calls.list_calls": ("22222222", "55555555"),
    "api_calls.get_call": ("22222222", "55555555"),
    "api_notices.list_notices": ("22222222", "55555555"),
    "api_notices.get_notice": ("22222222", "55555555"),
    "api_funded_projects.list_funded_projects": ("22222222", "55555555"),
    "api_results.get_results": ("22222222", "55555555"),
    "stats.dashboard": ("L3333222", "55555555"),
    "stats_exports.activities_xlsx": ("L3333222", "55555555"),
    "stats_exports.applications_xlsx": ("L4444242", "55555555"),
    "stats_exports.dashboard_xlsx": ("L3333222", "55555555"),
    "stats_exports.job": ("L3333444", "55555555"),
    "stats_exports.job_file": ("L3333444", "55555555"),
    "stats_exports.ledger_xlsx": ("L3333222", "55555555"),
    "stats_exports.notice_xlsx": ("L4444242", "55555555"),
    "stats_exports.report_pdf": ("L3333222", "55555555"),
}


# ------------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = demo_app(tmp_path_factory, "matrix")
    with app.app_context():
        ids = Ids()
        db.session.commit()
        db.session.remove()
    yield app, ids, clients(app, tokens=True)
    dispose(app)


def _letter(response) -> str:
    code = response.status_code
    if code in (301, 302, 303):
        return "L" if "/auth/login" in (response.location or "") else "R"
    letters = {
        200: "2",
        400: "B",
        401: "A",
        403: "3",
        404: "4",
        405: "5",
        409: "C",
        415: "J",
        410: "0",
        422: "U",
        429: "T",
    }
    return letters.get(code, f"[{code}]")


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)


def test_every_route_has_an_entry(world):
    app, _ids, _clients = world
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert endpoints - set(U) == set(), "add the route to U and EXPECTED"
    assert endpoints - set(EXPECTED) == set(), "add the route's answers to EXPECTED"
    assert set(U) - endpoints == set() and set(EXPECTED) - endpoints == set(), "stale entries"


def test_every_role_gets_the_expected_answer_and_refused_posts_change_nothing(world):
    app, ids, by_role = world
    wrong, changed = [], []
    for rule in _rules(app):
        endpoint = rule.endpoint
        path = U[endpoint](ids)
        expected_get, expected_post = EXPECTED.get(endpoint, ("", ""))
        get = "".join(
            _letter(client.get(path)) if "GET" in rule.methods else "5"
            for client in by_role.values()
        )
        post = ""
        # the write of the route: POST, or PUT (the API's save), asked the same way
        write = next((m for m in ("POST", "PUT") if m in rule.methods), None)
        for n, (role, client) in enumerate(by_role.items()):
            if write is None or not expected_post or expected_post[n] == "+":
                post += "5" if write is None else "+"
                continue
            before = row_counts(app)
            answer = _letter(client.open(path, method=write, data={}))
            after = row_counts(app)
            if answer in "L34" and before != after:
                difference = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                changed.append((endpoint, role, difference))
            post += answer
        if (expected_get, expected_post) != (get, post):
            wrong.append(f'    "{endpoint}": ("{get}", "{post}"),  # {path}')
    assert changed == [], "a refused POST changed rows"
    assert wrong == [], "answers differ from EXPECTED:\n" + "\n".join(wrong)
