"""Money is integer fen (分) everywhere; yuan strings exist only at the edges (forms, display)."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import StringField, ValidationError
from wtforms.validators import StopValidation

_YUAN = re.compile(r"^\d+(\.\d{1,2})?$")
MAX_FEN = 10_000_000_000 * 100  # ¥10 billion: beyond any grant or fund, well inside BIGINT


class MoneyError(ValueError):
    pass


def parse_yuan(text: str | int | Decimal) -> int:
    """'1,234.5' → 123450 fen. Refuses negatives, more than two decimals and non-numbers."""
    cleaned = str(text).strip().replace(",", "").replace("，", "").removeprefix("¥").strip()
    if not _YUAN.match(cleaned):
        raise MoneyError(_l("Enter an amount in yuan with at most two decimals, e.g. 1234.50."))
    try:
        fen = int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the regex already excludes this
        raise MoneyError(_l("Enter an amount in yuan.")) from exc
    if fen > MAX_FEN:
        raise MoneyError(_l("Enter an amount of at most %(max)s.", max=format_fen(MAX_FEN)))
    return fen


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_fen(fen: int | None, symbol: str = "¥") -> str:
    """123456 → '¥1,234.56'; negative amounts keep their sign before the symbol."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


class MoneyField(StringField):
    """A form field typed in yuan whose ``data`` is integer fen."""

    bigint_column = True  # money columns are BIGINT: the base form's integer limit

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw.strip():
            try:
                self.data = parse_yuan(self.raw)
            except MoneyError as exc:
                self.process_errors.append(str(exc.args[0]))

    def _value(self) -> str:
        if getattr(self, "raw", None) is not None:
            return self.raw
        return "" if self.data is None else str(fen_to_yuan(self.data))

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()  # the parse error says it all; no "required" on top of it
        if self.data is not None and self.data < 0:
            raise ValidationError(_l("The amount cannot be negative."))
