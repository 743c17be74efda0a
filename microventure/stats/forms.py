"""The dashboard's filters (year, call, domain, street), parsed from the query string."""

from dataclasses import dataclass

from microventure.calls.models import Domain


@dataclass(frozen=True)
class Filters:
    """What the admin asked for; anything unknown was dropped while parsing. ``street`` is only a
    request: the scope rule (``policy.street_scope``) decides which streets are counted."""

    year: int | None = None
    call: int | None = None
    domain: Domain | None = None
    street: int | None = None

    @classmethod
    def parse(cls, args) -> "Filters":
        domain = args.get("domain")
        year = args.get("year", type=int)
        return cls(
            year=year if year and 2000 <= year <= 2100 else None,
            call=args.get("call", type=int),
            domain=Domain(domain) if domain in Domain._value2member_map_ else None,
            street=args.get("street", type=int),
        )

    def args(self, **changes) -> dict:
        """The query-string arguments that reproduce these filters (for links and exports)."""
        values = {
            "year": self.year,
            "call": self.call,
            "domain": self.domain.value if self.domain else None,
            "street": self.street,
        } | changes
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.args())
