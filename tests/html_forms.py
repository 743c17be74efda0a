"""Read a page's form as a browser would submit it: its fields with the values the page gives."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: list[str] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self._fields = []
            self.forms.append((a.get("action", ""), self._fields))
        if self._fields is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            self._options.append((a.get("value"), "selected" in a))
            self._option = [] if a.get("value") is None else None
        elif tag == "textarea" and name:
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1].append(data)
        if self._option is not None:
            self._option.append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._options:
            _, selected = self._options[-1]
            self._options[-1] = ("".join(self._option).strip(), selected)
            self._option = None
        elif tag == "select" and self._select and self._fields is not None:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and self._options and not self._multiple:
                chosen = [self._options[0][0]]
            self._fields.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea and self._fields is not None:
            name, text = self._textarea
            self._fields.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._fields = None


def form_data(html: str, action: str, *, page: str = "", overrides: dict) -> MultiDict:
    """The fields of the form posting to ``action`` (a path; a form without an action posts to
    its ``page``), then ``overrides`` (None removes a field, a list sets several values)."""
    reader = _FormReader()
    reader.feed(html)
    for form_action, fields in reader.forms:
        if urlsplit(form_action or page).path == urlsplit(action).path:
            data = MultiDict(fields)
            break
    else:
        found = sorted({a for a, _ in reader.forms})
        raise AssertionError(f"no form posts to {action}; the page has {found}")
    for name, value in overrides.items():
        data.poplist(name)
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            data.add(name, one)
    return data
