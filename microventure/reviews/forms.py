"""Forms for the reviewer's pages: the no-conflict declaration, a declared conflict and the
score form, whose criterion fields are made per call (``ScoreForm.for_criteria``)."""

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from microventure.calls.models import RubricCriterion
from microventure.core.forms import BaseForm
from microventure.core.money import MoneyField
from microventure.reviews.models import Recommendation, Review

COMMENT_MAX = 10_000


class DeclarationForm(BaseForm):
    """回避声明: the reviewer ticks the statement before the application opens."""

    no_conflict = BooleanField(
        _l("I declare I have no conflict of interest with this application."),
        validators=[DataRequired(message=_l("Tick the box to sign the declaration."))],
    )


class ConflictForm(BaseForm):
    """A declared conflict; the service refuses an empty reason next to the field."""

    reason = TextAreaField(
        _l("What is the conflict?"),
        description=_l("The street office reads it; you will not be given this applicant again."),
        validators=[Length(max=2000, message=_l("Keep it under %(max)d characters."))],
    )


class PointsField(StringField):
    """Points for one rubric criterion, kept exactly as typed: the service decides whether they
    are a whole or half number within the criterion's range, and says so next to the field."""

    def __init__(self, label=None, validators=None, *, criterion_id: int, max_points: int, **kw):
        super().__init__(label, validators, **kw)
        self.criterion_id = criterion_id
        self.max_points = max_points


def points_text(half_points: int) -> str:
    """15 half points → '7.5', 16 → '8'."""
    whole, half = divmod(half_points, 2)
    return f"{whole}.5" if half else str(whole)


class ScoreForm(BaseForm):
    """The reviewer's scores, comment, recommendation and suggested amount. Build the class for a
    call's rubric with ``for_criteria``: each criterion is a field named ``criterion_<id>``, the
    name the service gives its refusals."""

    comment = TextAreaField(
        _l("Comment"),
        description=_l("Strengths, weaknesses and what should change; the street office reads it."),
        validators=[
            Length(max=COMMENT_MAX, message=_l("Keep it under %(max)d characters.")),
        ],
    )
    recommendation = RadioField(_l("Recommendation"), validate_choice=False)
    suggested_amount = MoneyField(_l("Suggested grant (yuan, optional)"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recommendation.choices = Recommendation.choices()  # titles in the reader's language

    @classmethod
    def for_criteria(cls, criteria: Iterable[RubricCriterion]) -> type["ScoreForm"]:
        fields = {
            f"criterion_{c.id}": PointsField(
                c.name, description=c.description, criterion_id=c.id, max_points=c.max_points
            )
            for c in criteria
        }
        return type("CallScoreForm", (cls,), fields)

    @classmethod
    def stored(cls, criteria: list[RubricCriterion], review: Review | None) -> "ScoreForm":
        """The form for ``criteria`` filled from the saved review (or empty)."""
        form_class = cls.for_criteria(criteria)
        if review is None:
            return form_class(formdata=None)
        saved = {s.criterion_id: points_text(s.half_points) for s in review.scores}
        return form_class(
            formdata=None,
            data={f"criterion_{cid}": text for cid, text in saved.items()}
            | {
                "comment": review.comment,
                "recommendation": review.recommendation.value if review.recommendation else None,
                "suggested_amount": review.suggested_amount,
            },
        )

    def criterion_fields(self) -> list[PointsField]:
        return [f for f in self if isinstance(f, PointsField)]

    def points(self) -> dict[int, str | None]:
        return {f.criterion_id: f.data for f in self.criterion_fields()}

    def chosen_recommendation(self) -> Recommendation | None:
        # Empty is no choice yet (the service asks for one on submit); any other value that is
        # not listed never gets here: the base form refuses it.
        values = {r.value for r in Recommendation}
        data = self.recommendation.data
        return Recommendation(data) if data in values else None
