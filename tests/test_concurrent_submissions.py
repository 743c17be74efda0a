"""Reference numbers stay unique when many organisations submit to one call at the same moment."""

import io
import threading

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import Role, User
from microventure.applications import services
from microventure.applications.models import Application
from microventure.calls.models import AttachmentKind
from microventure.core.errors import DomainError
from microventure.extensions import db
from tests.conftest import Factory
from tests.helpers_calls import complete_content, make_call, make_fund

SUBMITTERS = 10


@pytest.mark.no_transaction
def test_simultaneous_submissions_get_distinct_references(postgres_app):
    app = postgres_app
    with app.app_context():
        make = Factory()
        street = make.street()
        admin = make.user(role=Role.STREET_ADMIN, street=street)
        call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
        ids = []
        for _ in range(SUBMITTERS):
            owner = make.user()
            org = make.organization(street=street, owner=owner)
            application = services.start_application(call=call, organization=org, actor=owner)
            services.save_draft(
                application=application, content=complete_content(call), actor=owner
            )
            services.add_attachment(
                application=application,
                kind=AttachmentKind.PROJECT_PLAN,
                actor=owner,
                upload=FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="plan.pdf"),
            )
            ids.append((application.id, owner.id))
        db.session.commit()

    barrier = threading.Barrier(SUBMITTERS)
    errors: list[BaseException] = []

    def submit(application_id: int, user_id: int) -> None:
        try:
            with app.app_context():
                application = db.session.get(Application, application_id)
                actor = application.organization.members[0].user
                assert actor.id == user_id
                barrier.wait(timeout=30)
                services.submit(application=application, actor=actor)
                db.session.commit()
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=pair) for pair in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    with app.app_context():
        references = db.session.scalars(select(Application.reference)).all()
    assert sorted(references) == [f"NC-2026-MCT-{n:03d}" for n in range(1, SUBMITTERS + 1)]


def _drafts_of_one_organisation(count: int) -> list[tuple[int, int]]:
    """``count`` complete drafts of one organisation to a call that allows one application each."""
    make = Factory()
    street = make.street()
    admin = make.user(role=Role.STREET_ADMIN, street=street)
    call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
    assert call.max_applications_per_org == 1
    owner = make.user()
    org = make.organization(street=street, owner=owner)
    ids = []
    for _ in range(count):
        application = services.start_application(call=call, organization=org, actor=owner)
        services.save_draft(application=application, content=complete_content(call), actor=owner)
        services.add_attachment(
            application=application,
            kind=AttachmentKind.PROJECT_PLAN,
            actor=owner,
            upload=FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="plan.pdf"),
        )
        ids.append((application.id, owner.id))
    db.session.commit()
    return ids


def _submit_at_once(app, pairs: list[tuple[int, int]]) -> list[BaseException]:
    barrier = threading.Barrier(len(pairs))
    refused: list[BaseException] = []

    def submit(application_id: int, user_id: int) -> None:
        with app.app_context():
            application = db.session.get(Application, application_id)
            actor = db.session.get(User, user_id)
            _ = application.organization.name, application.call.title  # loaded before the race
            barrier.wait(timeout=30)
            try:
                services.submit(application=application, actor=actor)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                refused.append(exc)

    threads = [threading.Thread(target=submit, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return refused


@pytest.mark.no_transaction
def test_two_simultaneous_submissions_cannot_beat_the_organisation_limit(postgres_app):
    with postgres_app.app_context():
        pairs = _drafts_of_one_organisation(2)
    refused = _submit_at_once(postgres_app, pairs)
    assert len(refused) == 1
    assert "may submit 1 application" in str(refused[0].problems[0][1])
    with postgres_app.app_context():
        submitted = db.session.scalars(
            select(Application.reference).where(Application.reference.is_not(None))
        ).all()
    assert len(submitted) == 1


@pytest.mark.no_transaction
def test_a_double_clicked_submission_is_recorded_once(postgres_app):
    with postgres_app.app_context():
        pair = _drafts_of_one_organisation(1)[0]
    refused = _submit_at_once(postgres_app, [pair, pair])
    assert [str(exc) for exc in refused] == ["This application has already been submitted."]
    with postgres_app.app_context():
        application = db.session.get(Application, pair[0])
        assert application.reference.endswith("-001")
        assert [v.number for v in application.versions] == [1]


@pytest.mark.no_transaction
def test_a_double_click_on_start_makes_one_draft(postgres_app):
    """Five POSTs of the page's 开始申报 at once, from the member's own session (a double click,
    a browser retrying): one draft, the page they all land on."""
    from tests.conftest import PASSWORD

    app = postgres_app
    with app.app_context():
        make = Factory()
        street = make.street()
        admin = make.user(role=Role.STREET_ADMIN, street=street)
        call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
        owner = make.user()
        make.organization(street=street, owner=owner)
        call_id, email = call.id, owner.email
        db.session.commit()
    clients = []
    for _ in range(5):
        client = app.test_client()
        assert (
            client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code
            == 302
        )
        clients.append(client)
    barrier = threading.Barrier(5)
    landed: list[str] = []

    def start(client) -> None:
        barrier.wait(timeout=30)
        landed.append(client.post(f"/calls/{call_id}/apply").location)

    threads = [threading.Thread(target=start, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        drafts = db.session.scalars(select(Application.id).where(Application.call_id == call_id))
        (draft,) = drafts.all()
    assert landed == [f"/applications/{draft}/edit"] * 5
