"""Demo people and places: Panyu's streets, staff accounts, organisations of every kind."""

from datetime import date

from sqlalchemy import select

from microventure.accounts import organizations, services
from microventure.accounts.credit_code import check_character
from microventure.accounts.models import (
    Community,
    CommunityKind,
    Organization,
    OrganizationKind,
    Role,
    Street,
    StreetKind,
    User,
    VerificationStatus,
)
from microventure.extensions import db

DEMO_PASSWORD = "demo-password"

# (name, pinyin, kind, some communities) — the 16 streets and towns of Panyu District, Guangzhou.
STREETS = [
    ("市桥街道", "Shiqiao Street", StreetKind.STREET, ["先锋社区", "繁华社区", "西丽社区"]),
    ("沙头街道", "Shatou Street", StreetKind.STREET, ["沙头社区", "银平社区"]),
    ("东环街道", "Donghuan Street", StreetKind.STREET, ["东环社区", "蔡边社区"]),
    ("桥南街道", "Qiaonan Street", StreetKind.STREET, ["桥南社区", "福景社区"]),
    ("小谷围街道", "Xiaoguwei Street", StreetKind.STREET, ["贝岗村", "南亭村"]),
    ("大石街道", "Dashi Street", StreetKind.STREET, ["大石社区", "植村"]),
    ("洛浦街道", "Luopu Street", StreetKind.STREET, ["丽江社区", "洛溪社区"]),
    ("石壁街道", "Shibi Street", StreetKind.STREET, ["石壁一村", "谢村"]),
    ("钟村街道", "Zhongcun Street", StreetKind.STREET, ["钟一村", "祈福新邨社区"]),
    ("大龙街道", "Dalong Street", StreetKind.STREET, ["大龙社区", "新水坑村"]),
    ("沙湾街道", "Shawan Street", StreetKind.STREET, ["沙湾社区", "西村"]),
    (
        "南村镇",
        "Nancun Town",
        StreetKind.TOWN,
        [
            "南村村",
            "坑头村",
            "员岗村",
            "板桥村",
            "里仁洞村",
            "樟边村",
            "华南碧桂园社区",
            "锦绣香江社区",
        ],
    ),
    ("新造镇", "Xinzao Town", StreetKind.TOWN, ["新造村", "思贤村"]),
    ("化龙镇", "Hualong Town", StreetKind.TOWN, ["化龙社区", "眉山村"]),
    ("石楼镇", "Shilou Town", StreetKind.TOWN, ["石楼村", "大岭村"]),
    ("石碁镇", "Shiji Town", StreetKind.TOWN, ["石碁村", "金山村"]),
]


def credit_code(category: str, serial: int, *, valid: bool = True) -> str:
    """A well-formed demo code for a Panyu (440113) organisation registered with civil affairs."""
    body = f"5{category}440113MJ{serial:07d}"
    check = check_character(body)
    return body + (check if valid else ("1" if check != "1" else "2"))


# (name, kind, street, community, credit code or custodian name, status, rating, owner e-mail)
ORGANIZATIONS = [
    (
        "番禺区南村镇社会工作服务站",
        OrganizationKind.SOCIAL_WORK_AGENCY,
        "南村镇",
        "南村村",
        credit_code("2", 1001),
        VerificationStatus.VERIFIED,
        4,
        "applicant@demo.local",
    ),
    (
        "番禺区南村镇长者关爱协会",
        OrganizationKind.SOCIAL_GROUP,
        "南村镇",
        "坑头村",
        credit_code("1", 1002),
        VerificationStatus.VERIFIED,
        3,
        "eldercare@demo.local",
    ),
    (
        "番禺区社区慈善基金会",
        OrganizationKind.FOUNDATION,
        "市桥街道",
        "先锋社区",
        credit_code("3", 1003),
        VerificationStatus.VERIFIED,
        5,
        "foundation@demo.local",
    ),
    (
        "番禺区青少年成长服务中心",
        OrganizationKind.SOCIAL_SERVICE,
        "大石街道",
        "大石社区",
        credit_code("2", 1004),
        VerificationStatus.VERIFIED,
        3,
        "youth@demo.local",
    ),
    (
        "钟村街心理健康服务中心",
        OrganizationKind.SOCIAL_SERVICE,
        "钟村街道",
        "钟一村",
        credit_code("2", 1005),
        VerificationStatus.VERIFIED,
        None,
        "mind@demo.local",
    ),
    (
        "南村镇员岗村民委员会",
        OrganizationKind.RESIDENTS_COMMITTEE,
        "南村镇",
        "员岗村",
        credit_code("4", 1006),
        VerificationStatus.VERIFIED,
        None,
        "yuangang@demo.local",
    ),
    (
        "华南碧桂园社区居民委员会",
        OrganizationKind.RESIDENTS_COMMITTEE,
        "南村镇",
        "华南碧桂园社区",
        credit_code("4", 1007),
        VerificationStatus.VERIFIED,
        None,
        "biguiyuan@demo.local",
    ),
    (
        "坑头村垃圾分类志愿队",
        OrganizationKind.FILED_GROUP,
        "南村镇",
        "坑头村",
        "番禺区南村镇社会工作服务站",
        VerificationStatus.VERIFIED,
        None,
        "sorting@demo.local",
    ),
    (
        "锦绣香江邻里互助队",
        OrganizationKind.FILED_GROUP,
        "南村镇",
        "锦绣香江社区",
        "番禺区南村镇社会工作服务站",
        VerificationStatus.VERIFIED,
        None,
        "neighbours@demo.local",
    ),
    (
        "市桥读书会",
        OrganizationKind.FILED_GROUP,
        "市桥街道",
        "繁华社区",
        "番禺区社区慈善基金会",
        VerificationStatus.PENDING,
        None,
        "reading@demo.local",
    ),
    (
        "沙湾广府文化促进会",
        OrganizationKind.SOCIAL_GROUP,
        "沙湾街道",
        "沙湾社区",
        credit_code("1", 1008),
        VerificationStatus.PENDING,
        None,
        "culture@demo.local",
    ),
    (
        "番禺区智慧养老服务社",
        OrganizationKind.SOCIAL_SERVICE,
        "南村镇",
        "板桥村",
        credit_code("2", 1009, valid=False),
        VerificationStatus.PENDING,
        None,
        "smartcare@demo.local",
    ),
]

STAFF = [
    ("district@demo.local", "区民政局 李主任", Role.DISTRICT_ADMIN, None),
    ("street@demo.local", "南村镇 陈干事", Role.STREET_ADMIN, "南村镇"),
    *[
        (f"reviewer{i}@demo.local", n, Role.REVIEWER, None)
        for i, n in enumerate(["王教授", "张社工师", "刘会计师", "黄律师", "周督导"], start=1)
    ],
]


def _get_or_create_user(email: str, name: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    return user or services.create_user(email=email, name=name, password=DEMO_PASSWORD)


def load_streets() -> dict[str, Street]:
    streets = {s.name: s for s in db.session.scalars(select(Street))}
    for position, (name, name_en, kind, communities) in enumerate(STREETS):
        street = streets.get(name)
        if street is None:
            street = streets[name] = Street(
                name=name, name_en=name_en, kind=kind, position=position
            )
            db.session.add(street)
            db.session.flush()
        existing = {c.name for c in street.communities}
        for i, community in enumerate(communities):
            if community not in existing:
                kind_ = (
                    CommunityKind.VILLAGE if community.endswith("村") else CommunityKind.COMMUNITY
                )
                db.session.add(Community(street=street, name=community, kind=kind_, position=i))
    db.session.flush()
    return streets


def load_staff(streets: dict[str, Street]) -> User:
    district = None
    for email, name, role, street_name in STAFF:
        user = _get_or_create_user(email, name)
        district = district or user
        if not user.has_role(role):
            services.grant_role(
                user=user, role=role, street=streets.get(street_name or ""), actor=district
            )
    return district


def load_organizations(streets: dict[str, Street], district: User) -> None:
    by_name = {o.name: o for o in db.session.scalars(select(Organization))}
    for name, kind, street_name, community_name, code, status, rating, email in ORGANIZATIONS:
        if name in by_name:
            continue
        street = streets[street_name]
        community = next(c for c in street.communities if c.name == community_name)
        details = organizations.OrganizationDetails(
            name=name,
            kind=kind,
            credit_code=None if kind.needs_custodian else code,
            custodian_id=by_name[code].id if kind.needs_custodian else None,
            street_id=street.id,
            community_id=community.id,
            address=f"广州市番禺区{street_name}{community_name}",
            contact_name="联系人",
            contact_mobile="13800138000",
            founded_on=date(2018, 6, 1),
            rating=rating,
            rating_awarded_on=date(2023, 12, 1) if rating else None,
            rating_expires_on=date(2028, 11, 30) if rating else None,
            description="演示数据 / demo data",
        )
        owner = _get_or_create_user(email, f"{name} 联系人")
        org = by_name[name] = organizations.create_organization(details=details, owner=owner)
        if status is VerificationStatus.VERIFIED:
            organizations.set_verification(organization=org, status=status, actor=district)


# (donor, yuan) — three federations' worth of money raised, as in the seed document's story
