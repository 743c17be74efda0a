"""The demo data's objects for route tests, looked up (or brought to a state) by SQL and the
services, inside the caller's app context."""

import io
from datetime import timedelta

from sqlalchemy import text
from werkzeug.datastructures import FileStorage

from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db

ADMIN, STREET, APPLICANT = "district@demo.local", "street@demo.local", "applicant@demo.local"
PDF = b"%PDF-1.4\n%%EOF\n"


class World:
    """Looks up the demo's objects (and prepares a state) inside a case's own app context."""

    def id(self, sql: str, **params) -> int:
        value = db.session.scalar(text(sql), params)
        assert value is not None, f"the demo data has no row for: {sql}"
        return value

    def call(self, code: str) -> int:
        return self.id("SELECT id FROM calls WHERE code = :code", code=code)

    def user(self, email: str) -> int:
        return self.id("SELECT id FROM users WHERE email = :email", email=email)

    def project(self, number: int) -> int:
        return self.id(
            "SELECT p.id FROM projects p JOIN applications a ON a.id = p.application_id "
            "WHERE a.reference = :ref",
            ref=f"NC-2026-01-{number:03d}",
        )

    def obj(self, model, id: int):
        return db.session.get(model, id)

    def actor(self, email: str):
        from microventure.accounts.models import User

        return self.obj(User, self.user(email))

    def org(self, name: str) -> int:
        return self.id("SELECT id FROM organizations WHERE name = :n", n=name)

    def org_of(self, email: str) -> int:
        return self.id(
            "SELECT organization_id FROM memberships WHERE user_id = :u", u=self.user(email)
        )

    def membership(self, owner: str, member: str) -> int:
        return self.id(
            "SELECT id FROM memberships WHERE organization_id = :o AND user_id = :u",
            o=self.org_of(owner),
            u=self.user(member),
        )

    def second_member(self, owner: str, member: str) -> None:
        from microventure.accounts import organizations
        from microventure.accounts.models import Organization

        organizations.add_member(
            organization=self.obj(Organization, self.org_of(owner)),
            email=member,
            name="",
            password="",
            actor=self.actor(owner),
        )

    def reset_token(self, email: str) -> str:
        """One link per world and account: a page and the form on it are asked for the same one
        (a token made a second later is another link)."""
        from microventure.accounts import tokens

        made = self.__dict__.setdefault("_reset_tokens", {})
        if email not in made:
            made[email] = tokens.reset_token(self.actor(email))
        return made[email]

    def fund(self, name: str) -> int:
        return self.id("SELECT id FROM funds WHERE name = :n", n=name)

    def grant(self, email: str) -> int:
        return self.id("SELECT id FROM role_grants WHERE user_id = :u", u=self.user(email))

    def profile(self, email: str) -> int:
        return self.id("SELECT id FROM reviewer_profiles WHERE user_id = :u", u=self.user(email))

    def token_of(self, email: str, scope: str = "write") -> int:
        """The id of a new personal access token of ``email``'s account."""
        from microventure.accounts import api_tokens
        from microventure.accounts.models import TokenScope, User

        user = self.obj(User, self.user(email))
        new = api_tokens.create_token(user=user, name="world", scope=TokenScope(scope), days=7)
        self.__dict__.setdefault("secrets", {})[new.token.id] = new.secret
        return new.token.id

    def exclusion(self) -> int:
        from microventure.accounts import organizations
        from microventure.accounts.models import ExclusionKind, Organization

        found = db.session.scalar(text("SELECT min(id) FROM exclusions"))
        if found:
            return found
        return organizations.add_exclusion(
            organization=self.obj(Organization, self.org("市桥读书会")),
            kind=ExclusionKind.ABNORMAL,
            reason="年检异常",
            starts_on=local_today(),
            ends_on=None,
            actor=self.actor(ADMIN),
        ).id

    def excluded_org(self) -> int:
        return self.id("SELECT organization_id FROM exclusions WHERE id = :e", e=self.exclusion())

    def draft_call(self) -> int:
        """A draft call of the street, ready to publish."""
        from microventure.calls import services as calls
        from microventure.calls.models import Call
        from tests.helpers_calls import call_settings

        found = db.session.scalar(text("SELECT id FROM calls WHERE code = 'NC-2027-MCT'"))
        if found:
            return found
        fund = self.obj(Call, self.call("NC-2026-MCT")).fund
        settings = call_settings(fund, code="NC-2027-MCT", budget=100_000_00)
        return calls.create_call(settings=settings, actor=self.actor(STREET)).id

    def draft_application(self) -> int:
        found = db.session.scalar(
            text("SELECT id FROM applications WHERE call_id = :c AND status = 'draft'"),
            {"c": self.call("NC-2026-MCT")},
        )
        if found:
            return found
        return self._start(complete=False)

    def _start(self, *, complete: bool) -> int:
        from microventure.applications import services
        from microventure.calls.models import AttachmentKind, Call
        from tests.helpers_calls import complete_content

        call = self.obj(Call, self.call("NC-2026-MCT"))
        actor = self.actor(APPLICANT)
        app = services.start_application(
            call=call, organization=actor.memberships[0].organization, actor=actor
        )
        if complete:
            services.save_draft(application=app, content=complete_content(call), actor=actor)
            services.add_attachment(
                application=app,
                kind=AttachmentKind.PROJECT_PLAN,
                actor=actor,
                upload=FileStorage(io.BytesIO(PDF), filename="plan.pdf"),
            )
        return app.id

    def draft_with_attachment(self) -> int:
        found = db.session.scalar(
            text("SELECT id FROM applications WHERE call_id = :c AND status = 'draft'"),
            {"c": self.call("NC-2026-MCT")},
        )
        return found or self._start(complete=True)

    def attachment(self) -> int:
        return self.id(
            "SELECT min(id) FROM attachments WHERE application_id = :a", a=self.draft_application()
        )

    def submitted_application(self) -> int:
        """The applicant's organisation submits a complete application to the open call."""
        from microventure.applications import services
        from microventure.applications.models import Application

        found = db.session.scalar(
            text("SELECT id FROM applications WHERE call_id = :c AND status = 'submitted'"),
            {"c": self.call("NC-2026-MCT")},
        )
        if found:
            return found
        application = self.obj(Application, self._start(complete=True))
        services.submit(application=application, actor=self.actor(APPLICANT))
        return application.id

    def unreviewed_by(self, email: str) -> int:
        """An application of the closed round that the reviewer has not been given."""
        return self.id(
            "SELECT min(a.id) FROM applications a WHERE a.call_id = :c AND a.organization_id <> 3 "
            "AND NOT EXISTS (SELECT 1 FROM assignments s WHERE s.application_id = a.id "
            "AND s.reviewer_id = :u)",
            c=self.call("PY-2026-MCT"),
            u=self.user(email),
        )

    def open_assignment(self, *, declared: bool = False) -> int:
        """reviewer5 is given one more application of the closed round (and signs the
        declaration when ``declared``)."""
        from microventure.applications.models import Application
        from microventure.reviews import services

        reviewer = self.actor("reviewer5@demo.local")
        found = db.session.scalar(
            text("SELECT id FROM assignments WHERE reviewer_id = :u AND status <> 'submitted'"),
            {"u": reviewer.id},
        )
        if found:
            return found
        assignment = services.assign(
            application=self.obj(Application, self.unreviewed_by(reviewer.email)),
            reviewer=reviewer,
            due_on=local_today() + timedelta(days=7),
            actor=self.actor(ADMIN),
        )
        if declared:
            services.sign_declaration(assignment=assignment, actor=reviewer)
        return assignment.id

    def declined_assignment(self) -> int:
        from microventure.reviews import services
        from microventure.reviews.models import Assignment

        found = db.session.scalar(text("SELECT id FROM assignments WHERE status = 'declined'"))
        if found:
            return found
        assignment = self.obj(Assignment, self.open_assignment())
        services.declare_conflict(
            assignment=assignment, reason="曾任该机构顾问", actor=self.actor("reviewer5@demo.local")
        )
        return assignment.id

    def submitted_assignment(self) -> int:
        # the newest submitted review: the first on the progress page
        return self.id(
            "SELECT s.id FROM assignments s JOIN reviews r ON r.assignment_id = s.id "
            "ORDER BY r.submitted_at DESC, s.id DESC LIMIT 1"
        )

    def requested_yuan(self, application_id: int) -> str:
        from microventure.applications.models import Application

        return f"{self.obj(Application, application_id).requested_amount / 100:.2f}"

    def ranked_first(self) -> int:
        return self.id(
            "SELECT min(id) FROM applications WHERE call_id = :c", c=self.call("PY-2026-MCT")
        )

    def recommended_all(self) -> None:
        """Every application of the closed round is recommended or not, as the budget allows."""
        from microventure.applications.models import Application
        from microventure.decisions import services

        found = db.session.scalar(
            text("SELECT count(*) FROM decisions WHERE call_id = :c"),
            {"c": self.call("PY-2026-MCT")},
        )
        if found:
            return
        admin = self.actor(ADMIN)
        ids = db.session.scalars(
            text("SELECT id FROM applications WHERE call_id = :c ORDER BY id"),
            {"c": self.call("PY-2026-MCT")},
        ).all()
        for number, application_id in enumerate(ids):
            application = self.obj(Application, application_id)
            if number < 2:
                amount = application.requested_amount
                services.recommend(application=application, amount=amount, actor=admin)
            else:
                services.not_recommend(application=application, reason="排名靠后", actor=admin)

    def published_notice(self) -> int:
        from microventure.calls.models import Call
        from microventure.decisions import notice

        found = db.session.scalar(
            text("SELECT id FROM notices WHERE call_id = :c"), {"c": self.call("PY-2026-MCT")}
        )
        if found:
            return found
        self.recommended_all()
        call = self.obj(Call, self.call("PY-2026-MCT"))
        return notice.publish_notice(call=call, actor=self.actor(ADMIN)).id

    def objection(self) -> int:
        from microventure.decisions import notice
        from microventure.decisions.models import Notice

        found = db.session.scalar(text("SELECT min(id) FROM objections"))
        if found:
            return found
        return notice.lodge_objection(
            notice=self.obj(Notice, self.published_notice()),
            application_id=None,
            name="居民",
            contact="13800138000",
            text="请核实",
            remote_addr="127.0.0.1",
        ).id

    def ended_notice(self) -> None:
        notice_id = self.published_notice()
        db.session.execute(
            text("UPDATE notices SET starts_on = :s, ends_on = :e, ends_at = :at WHERE id = :n"),
            {
                "s": local_today() - timedelta(days=12),
                "e": local_today() - timedelta(days=2),
                "at": utcnow() - timedelta(days=1),
                "n": notice_id,
            },
        )

    def tranche(self, number: int, status: str) -> int:
        return self.id(
            "SELECT min(id) FROM tranches WHERE project_id = :p AND status = :s",
            p=self.project(number),
            s=status,
        )

    def suspended(self, number: int) -> None:
        db.session.execute(
            text("UPDATE projects SET status = 'suspended' WHERE id = :p"),
            {"p": self.project(number)},
        )

    def _activity(self, number: int, status: str) -> int:
        return self.id(
            "SELECT min(id) FROM activity_records WHERE project_id = :p AND status = :s",
            p=self.project(number),
            s=status,
        )

    def returned_activity(self, number: int) -> int:
        return self._activity(number, "returned")

    def waiting_activity(self, number: int) -> int:
        return self._activity(number, "submitted")

    def grant_line(self, number: int) -> int:
        return self.id(
            "SELECT min(b.id) FROM budget_lines b JOIN projects p "
            "ON p.application_id = b.application_id WHERE p.id = :p AND b.source = 'grant'",
            p=self.project(number),
        )

    def expenditure(self, number: int) -> int:
        return self.id(
            "SELECT min(e.id) FROM expenditures e JOIN reports r ON r.id = e.report_id "
            "WHERE r.project_id = :p",
            p=self.project(number),
        )

    def failed_notification(self) -> int:
        found = db.session.scalar(text("SELECT min(id) FROM notifications WHERE email = 'failed'"))
        if found:
            return found
        notification_id = self.id("SELECT min(id) FROM notifications")
        db.session.execute(
            text(
                "UPDATE notifications SET email = 'failed', attempts = 5, "
                "last_error = '550 mailbox unavailable' WHERE id = :n"
            ),
            {"n": notification_id},
        )
        return notification_id

    def project_back_to_signing(self, number: int) -> int:
        """A project as finalizing leaves it: not signed, no tranche due."""
        project_id = self.project(number)
        db.session.execute(
            text("UPDATE tranches SET status = 'pending', due_since = NULL WHERE project_id = :p"),
            {"p": project_id},
        )
        db.session.execute(
            text("UPDATE projects SET status = 'signing', signed_on = NULL WHERE id = :p"),
            {"p": project_id},
        )
        return project_id
