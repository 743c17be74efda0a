"""What a review must satisfy: an assignment open for scoring, points within each criterion's
range, a suggested amount within the request. The service refuses on any problem; the reviewer's
page shows them all beside their fields."""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from microventure.core.errors import DomainError, RuleViolations
from microventure.core.money import format_fen
from microventure.reviews.models import Assignment, AssignmentStatus, Recommendation

A = AssignmentStatus
Problems = list[tuple[str, str]]


def parse_points(raw: str | float | None) -> int | None:
    """'7.5' → 15 half points; None for empty; ValueError for anything not a number."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValueError(raw) from exc
    # Infinity and sNaN would crash below, and int() of a typed "1e999999" takes half a minute.
    if not value.is_finite() or value.adjusted() >= 9:
        raise ValueError(raw)
    doubled = value * 2
    if doubled != doubled.to_integral_value():
        raise ValueError(raw)
    return int(doubled)


def check_scorable(assignment: Assignment) -> None:
    """Scores may be saved only after the no-conflict declaration and before submission."""
    if assignment.status is A.ASSIGNED:
        raise DomainError(_l("Sign the no-conflict declaration first."))
    if assignment.status is A.DECLINED:
        raise DomainError(_l("This assignment was released after a declared conflict."))
    if assignment.status is not A.ACCEPTED:
        raise DomainError(_l("This review is submitted and locked."))


def score_problems(
    assignment: Assignment, points: dict[int, str | None], *, submit: bool
) -> tuple[dict[int, int], Problems]:
    """The half points given per criterion, and the problems with them: a draft may leave a
    criterion unscored, a submission may not."""
    problems: Problems = []
    half: dict[int, int] = {}
    for criterion in assignment.application.call.criteria:
        name = f"criterion_{criterion.id}"
        try:
            value = parse_points(points.get(criterion.id))
        except ValueError:
            problems.append((name, _l("Give a whole or half number of points.")))
            continue
        if value is None:
            if submit:
                problems.append((name, _l("Score this criterion.")))
            continue
        if not 0 <= value <= criterion.max_points * 2:
            problems.append((name, _l("Give 0 to %(max)s points.", max=criterion.max_points)))
            continue
        half[criterion.id] = value
    return half, problems


def scored_points(
    *,
    assignment: Assignment,
    points: dict[int, str | None],
    recommendation: Recommendation | None,
    suggested_amount: int | None,
    submit: bool,
) -> dict[int, int]:
    """The half points per criterion, or RuleViolations listing every problem of the review."""
    half, problems = score_problems(assignment, points, submit=submit)
    requested = assignment.application.requested_amount
    if suggested_amount is not None and not 0 <= suggested_amount <= requested:
        problems.append(
            (
                "suggested_amount",
                _l("Suggest at most the %(requested)s requested.", requested=format_fen(requested)),
            )
        )
    if submit and recommendation is None:
        problems.append(("recommendation", _l("Choose a recommendation.")))
    if problems:
        raise RuleViolations(problems)
    return half
