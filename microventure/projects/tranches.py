"""Which event makes which tranche due (拨付条件): the one registry of tranche triggers.

A call's tranche plan gives each tranche a ``TrancheTrigger``; ``TRIGGERS`` says which event in
a project's life fires it. A new trigger is one ``TrancheTrigger`` value, one line here and one
``services.make_due(project, event, …)`` where the event happens (``withhold_for`` where it
fails); the project page then says when a tranche waiting on it is expected."""

from dataclasses import dataclass
from datetime import date

from microventure.calls.models import Call, TrancheTrigger
from microventure.projects.models import ReportKind


@dataclass(frozen=True)
class Event:
    """Something that happens to a project and makes the tranches waiting on it due."""

    name: str
    report: ReportKind | None = None  # the report whose acceptance this is

    def expected_on(self, call: Call) -> date | None:
        """The day the call's timetable expects the event: a report's due date."""
        return self.report.due_in(call) if self.report else None


AGREEMENT_SIGNED = Event("agreement_signed")


def report_accepted(kind: ReportKind) -> Event:
    return Event("report_accepted", report=kind)


TRIGGERS: dict[TrancheTrigger, Event] = {
    TrancheTrigger.ON_SIGNING: AGREEMENT_SIGNED,
    TrancheTrigger.MIDTERM_ACCEPTED: report_accepted(ReportKind.MIDTERM),
    TrancheTrigger.FINAL_ACCEPTED: report_accepted(ReportKind.FINAL),
}


def fired_by(event: Event) -> list[TrancheTrigger]:
    """The triggers ``event`` fires (the tranches waiting on them become due)."""
    return [trigger for trigger, fires in TRIGGERS.items() if fires == event]


def report_due_on(trigger: TrancheTrigger, call: Call) -> date | None:
    """When a tranche waiting on ``trigger`` is expected: the due date of the report it waits
    on, if the call has one (None for the agreement)."""
    return TRIGGERS[trigger].expected_on(call)
