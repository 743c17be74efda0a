"""Fund and contribution tables."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.accounts.models import Street
from microventure.core.models import Base, LabelledEnum, enum_column, labels, utcnow


class FundKind(LabelledEnum):
    COMMUNITY_FUND = "community_fund"
    SPECIAL_FUND = "special_fund"
    CHARITY_POOL = "charity_pool"


labels(
    FundKind,
    {
        FundKind.COMMUNITY_FUND: _l("Community fund"),
        FundKind.SPECIAL_FUND: _l("Special fund"),
        FundKind.CHARITY_POOL: _l("Charity pool"),
    },
)


class Fund(Base):
    """Money a street (or, with no street, the district) holds for grants."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[FundKind] = mapped_column(enum_column(FundKind, "fund_kind"))
    street_id: Mapped[int | None] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    street: Mapped[Street | None] = relationship()
    contributions: Mapped[list["Contribution"]] = relationship(
        back_populates="fund", order_by="Contribution.received_on.desc()"
    )


class Contribution(Base):
    """Money raised into a fund (捐赠 / 筹款)."""

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    donor: Mapped[str] = mapped_column(sa.String(120))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    received_on: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    fund: Mapped[Fund] = relationship(back_populates="contributions")

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)
