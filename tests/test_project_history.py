"""The project page tells its history in words, in the reader's language."""

from microventure.core import audit
from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_today
from microventure.projects import history
from microventure.projects.activities import services as activities
from tests.test_activities_support import values
from tests.test_projects_support import funded_round, owner_of, pay, sign


def test_the_history_reads_as_sentences(client, login_as, make, monkeypatch):
    r = funded_round(make, monkeypatch, amounts=(25_000_00,))
    (project,) = r["projects"]
    sign(project, r["admin"])
    pay(project.tranches[0], r["admin"], reference="BK-2026-07")
    activities.record_activity(
        project=project,
        values=values(held_on=local_today(), title="长者课堂第一课", participants=42),
        photos=[],
        sign_in_sheet=None,
        actor=owner_of(project),
    )
    audit.record(action="project.something_new", obj=project, actor=r["admin"], after={"x": 1})

    login_as(owner_of(project))
    page = client.get(f"/projects/{project.id}?lang=en").get_data(as_text=True)
    history_html = page.split('id="audit"', 1)[1]
    assert "Tranche 1 (¥12,500.00) was paid on" in history_html
    assert "reference BK-2026-07" in history_html
    assert "Activity “长者课堂第一课”" in history_html and "42 participants" in history_html
    assert "a grant of ¥25,000.00 in 3 tranches" in history_html
    assert "<code>tranche.paid</code>" not in history_html
    # an action without a sentence is shown as it was recorded
    assert (
        "<code>project.something_new</code>" in history_html and "{&#39;x&#39;: 1}" in history_html
    )

    zh = client.get(f"/projects/{project.id}?lang=zh_CN").get_data(as_text=True)
    assert "BK-2026-07" in zh.split('id="audit"', 1)[1]


def test_a_malformed_event_falls_back_to_the_raw_record():
    event = AuditEvent(
        action="tranche.paid", object_type="projects", object_id=1, after={"tranche": "x"}
    )
    assert history.describe(event) is None
