"""The navigation: each role's pages grouped so the bar fits one line, and a favicon on every
page (the browser's request for it answers, so no page logs a 404)."""

import pytest

from microventure.accounts.models import Role

FAVICON_LINKS = ('rel="icon" href="/static/favicon.svg"', 'rel="icon" href="/favicon.ico"')


def _nav(page: str) -> str:
    return page.split('data-testid="role-nav"', 1)[1].split("</ul>\n", 1)[0]


def test_a_district_admin_reads_grouped_menus(client, login_as, make):
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    page = client.get("/admin/users?lang=zh_CN").get_data(as_text=True)
    nav = page.split('data-testid="role-nav"', 1)[1].split("</nav>", 1)[0]
    for group, items in {
        "nav-public": ["项目征集", "公示"],
        "nav-round": ["管理项目征集", "资金池"],
        "nav-admin": ["评审专家库", "用户与角色", "工作日历"],
    }.items():
        menu = nav.split(f'data-testid="{group}"', 1)[1].split("</li>\n  </ul>", 1)[0]
        assert 'data-bs-toggle="dropdown"' in menu
        for item in items:
            assert item in menu, (group, item)
    admin_menu = nav.split('data-testid="nav-admin"', 1)[1].split("</ul>", 1)[0]
    assert 'aria-current="page"' in admin_menu  # the page open now is marked in its menu
    top_level = nav.count('class="nav-item"') + nav.count('class="nav-item dropdown"')
    assert top_level <= 10  # 13 links (and the account's 4) used to stand side by side


def test_an_applicant_keeps_a_flat_menu(client, login_as, make):
    owner = make.user()
    make.organization(street=make.street(), owner=owner)
    login_as(owner)
    nav = _nav(client.get("/?lang=zh_CN").get_data(as_text=True))
    assert "dropdown" not in nav
    assert "我的申报" in nav and "项目征集" in nav


@pytest.mark.parametrize("url", ["/", "/auth/login", "/notices"])
def test_every_page_links_a_favicon_that_is_served(client, url):
    page = client.get(url).get_data(as_text=True)
    assert all(link in page for link in FAVICON_LINKS)
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.mimetype == "image/vnd.microsoft.icon"
    assert ico.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
