"""Forms for activity records: the record itself (phone-first) and an admin's return comment.
The forms only parse what was typed; the rules are the service's (``activity_rules.check_values``)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from microventure.accounts.forms import optional_int
from microventure.calls.models import Domain
from microventure.core.forms import BaseForm
from microventure.projects.activities.rules import MAX_PHOTOS, ActivityValues

NUMBER = {"inputmode": "numeric", "min": 0, "step": 1}


def _count(label, description=None, required=False):
    return IntegerField(
        label,
        description=description,
        validators=[InputRequired(message=_l("Enter a number (0 or more)."))]
        if required
        else [Optional()],
        render_kw=NUMBER,
    )


class ActivityForm(BaseForm):
    held_on = DateField(
        _l("Date held"),
        validators=[InputRequired(message=_l("Enter the date the activity was held."))],
    )
    title = StringField(
        _l("Title"),
        validators=[InputRequired(message=_l("Give the activity a title.")), Length(max=200)],
    )
    community_id = SelectField(
        _l("Community / village"),
        coerce=optional_int,
        validate_choice=False,
        invalid_choice_message=_l("Choose one of the communities of the project's street."),
    )
    domain = SelectField(_l("Service domain"), choices=Domain.choices, validate_choice=False)
    participants = _count(
        _l("Participants (person-times)"),
        _l("Count each person every time they took part."),
        required=True,
    )
    elderly = _count(_l("Elderly people"))
    children = _count(_l("Children and young people"))
    disabled = _count(_l("People with disabilities"))
    others = _count(_l("Other residents"))
    volunteers = _count(_l("Volunteers"))
    volunteer_hours = DecimalField(
        _l("Volunteer hours"),
        description=_l("All volunteers together, e.g. 12.5."),
        places=None,
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "min": 0, "step": "0.1"},
    )
    problems_solved = _count(
        _l("Community problems solved"),
        _l("Problems of residents or the community this activity solved."),
    )
    description = TextAreaField(
        _l("What happened"),
        validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 4},
    )
    planned_activity_id = SelectField(
        _l("Planned activity"),
        description=_l("The activity of the application this one carries out, if any."),
        coerce=optional_int,
        validate_choice=False,
        invalid_choice_message=_l("Choose one of the activities planned in the application."),
    )
    photos = MultipleFileField(
        _l("Photos"),
        description=_l(
            "Up to %(limit)s photos (JPEG or PNG). Location and camera data are removed.",
            limit=MAX_PHOTOS,
        ),
        render_kw={"accept": "image/jpeg,image/png,image/*"},
    )
    sign_in_sheet = FileField(
        _l("Sign-in sheet"),
        description=_l("A photo or PDF scan of the signed attendance sheet."),
        render_kw={"accept": "image/jpeg,image/png,image/*,application/pdf"},
    )
    remove_photo_ids = SelectMultipleField(coerce=int, validate_choice=False)

    def set_choices(self, *, communities, planned) -> None:
        self.community_id.choices = [("", _l("— Not in one community —")), *communities]
        self.planned_activity_id.choices = [("", _l("— None —")), *planned]

    def values(self) -> ActivityValues:
        return ActivityValues(
            held_on=self.held_on.data,
            title=self.title.data or "",
            domain=self.domain.data,
            participants=self.participants.data,
            community_id=self.community_id.data,
            elderly=self.elderly.data,
            children=self.children.data,
            disabled=self.disabled.data,
            others=self.others.data,
            volunteers=self.volunteers.data,
            volunteer_hours=self.volunteer_hours.data,
            problems_solved=self.problems_solved.data,
            description=self.description.data or "",
            planned_activity_id=self.planned_activity_id.data,
        )

    def new_photos(self) -> list:
        return [f for f in self.photos.data or [] if getattr(f, "filename", "")]

    def sheet(self):
        data = self.sign_in_sheet.data
        return data if getattr(data, "filename", "") else None

    def breakdown_given(self) -> bool:
        fields = (self.elderly, self.children, self.disabled, self.others)
        return any(f.data is not None or f.errors for f in fields)


class ReturnForm(BaseForm):
    comment = TextAreaField(
        _l("What to correct"),
        description=_l("The organisation reads this and edits the record."),
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )
