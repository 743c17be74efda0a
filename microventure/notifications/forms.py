"""Forms for the inbox: which kinds of notification also come by e-mail."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from microventure.core.forms import BaseForm
from microventure.notifications.kinds import KINDS


class EmailPreferencesForm(BaseForm):
    emailed_kinds = SelectMultipleField(
        _l("Send me these by e-mail"),
        choices=[(name, kind.title) for name, kind in KINDS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
