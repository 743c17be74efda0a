"""SQLite with several writers, as the embedded default runs under a threaded server: a request
that reads, then writes after another request has committed, waits its turn instead of failing
with "database is locked" (a WAL snapshot cannot be moved forward)."""

import threading

import pytest
from sqlalchemy import func, select, update

from microventure import create_app
from microventure.accounts.models import User
from microventure.extensions import db
from tests.conftest import Factory, build_schema

pytestmark = pytest.mark.no_transaction


def test_a_post_that_reads_then_writes_waits_for_another_posts_commit(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'writers.sqlite'}")
    build_schema(app)
    with app.app_context():
        user_id = Factory().user(name="甲").id
        db.session.commit()

    first_read, second_committed = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def rename(name: str, before_write=None, after_commit=None) -> None:
        try:
            with app.test_request_context(method="POST"):
                app.preprocess_request()  # the app's hooks, as before a view
                db.session.scalar(select(func.count()).select_from(User))  # the read
                if before_write:
                    before_write()
                db.session.execute(update(User).where(User.id == user_id).values(name=name))
                db.session.commit()
                if after_commit:
                    after_commit()
        except BaseException as exc:
            errors.append(exc)

    def let_the_other_commit_first() -> None:
        first_read.set()
        second_committed.wait(1)  # it cannot: it waits for this transaction's write lock

    first = threading.Thread(target=rename, args=("乙", let_the_other_commit_first))
    second = threading.Thread(
        target=lambda: (first_read.wait(5), rename("丙", after_commit=second_committed.set))
    )
    first.start(), second.start()
    first.join(15), second.join(15)

    assert errors == []
    with app.app_context():
        assert db.session.get(User, user_id).name == "丙"  # the second writer came after
