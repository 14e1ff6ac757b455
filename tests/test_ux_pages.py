"""What a new user meets first: a way to the public page, a header menu that works on a
phone, rows that can be told apart, charts that fit. The browser side is in
tests/test_phone_browser.py."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from cchc.plans.models import Activity, Assignee, Plan
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_login_page_leads_to_the_public_page(client: Client) -> None:
    page = client.get(reverse("login")).content.decode()
    card = page[page.index('class="login-card"') : page.index("</section>")]
    assert f'href="{reverse("public_progress")}"' in card
    assert "Trang công khai tiến độ" in card


@pytest.mark.parametrize("persona", ["", "officer_a", "coordinator", "leader"])
def test_every_page_footer_links_to_the_public_page(login, plan: Plan, persona: str) -> None:
    client = login(persona) if persona else Client()
    for url in ("/login/", "/cong-khai/") if not persona else ("/plans/", "/cong-khai/"):
        page = client.get(url, follow=True).content.decode()
        footer = page[page.index('<footer class="footer">') :]
        assert f'<a href="{reverse("public_progress")}">Trang công khai tiến độ</a>' in footer


def test_the_header_menu_can_fold_on_a_phone(login, plan: Plan) -> None:
    page = login("coordinator").get("/plans/").content.decode()
    button = re.search(r"<button[^>]*class=\"menu-toggle\"[^>]*>", page)
    assert button is not None
    # Hidden until the script takes it over: without the script every item shows.
    assert 'aria-controls="topbar-menu"' in button.group(0) and " hidden" in button.group(0)
    assert 'aria-expanded="true"' in button.group(0)
    menu = page[page.index('id="topbar-menu"') : page.index("</header>")]
    assert 'class="mainnav"' in menu and 'class="logout"' in menu
    # An external script, which the content security policy allows; no inline one.
    assert '<script src="/static/cchc/menu.js" defer></script>' in page
    assert "<script>" not in page
    assert finders.find("cchc/menu.js")


def test_an_anonymous_page_has_no_menu_button(client: Client) -> None:
    assert "menu-toggle" not in client.get("/login/").content.decode()


def test_the_needs_date_rows_say_what_tells_them_apart(login, agencies) -> None:
    plan = factories.make_plan(3)
    task = plan.activities.first().task
    for position, (output, lead) in enumerate(
        [("Kế hoạch của các sở", "Sở Tư pháp"), ("Kế hoạch của các huyện", "UBND cấp huyện")]
    ):
        activity = Activity.objects.create(
            plan=plan,
            task=task,
            position=10 + position,
            title="Soạn thảo, ban hành Kế hoạch",
            outputs=output,
            deadline="Theo quy định",
            needs_date=True,
        )
        Assignee.objects.create(
            activity=activity, role=Assignee.Role.LEAD, written_name=lead, agency=agencies["a"]
        )
    page = login("officer_a").get(reverse("needs_date", args=[plan.pk])).content.decode()
    rows = re.findall(r'<tr id="activity-\d+">(.*?)</tr>', page, flags=re.S)
    twins = [row for row in rows if "Soạn thảo, ban hành Kế hoạch" in row]
    assert len(twins) == 2
    assert "Kế hoạch của các sở" in twins[0] and "Sở Tư pháp" in twins[0]
    assert "Kế hoạch của các huyện" in twins[1] and "UBND cấp huyện" in twins[1]
    # The task is named once for its group of rows.
    assert task.title in twins[0] and task.title not in twins[1]
    assert "(cùng nhiệm vụ trên)" in twins[1]


def test_a_bar_chart_is_drawn_narrow_enough_for_a_phone() -> None:
    from cchc.dashboards.charts import Bar, bar_chart

    svg = bar_chart(
        chart_id="c",
        title="Tiến độ theo lĩnh vực",
        desc="…",
        bars=[Bar(label="VII. Xây dựng và phát triển Chính phủ điện tử", value=100, note="8")],
    )
    width = int(re.search(r'viewBox="0 0 (\d+)', svg).group(1))  # type: ignore[union-attr]
    # On a 390 px phone a chart panel has about 335 px: drawn at 90 % of its size or
    # more, its 13 px labels stay near 12 px.
    assert width * 0.9 <= 335
    assert "VII. Xây dựng và phát triển Chính phủ điện tử" in svg
    assert 'role="img"' in svg
    linked = bar_chart(chart_id="d", title="t", desc="d", bars=[Bar("a", 5, href="/x/")])
    # Links inside role="img" would be hidden from assistive technology.
    assert 'role="group"' in linked
