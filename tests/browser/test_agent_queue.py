"""The agent queue on a 375 px wide phone screen in Chromium: tickets are cards, a breached
target shows in words and with an icon, the keyboard shortcuts work (and stay quiet while
typing), and bulk close closes the ticked tickets."""

import datetime as dt
import importlib

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import UserFactory
from tickets import services
from tickets.models import Ticket, TicketChange

QUEUE = "/admin/support/tickets/"


def moderators() -> Group:
    """The agents' group. Data migrations create it with its permissions; an earlier
    transactional test on this worker may have flushed those rows, so they are put back
    as the migrations grant them."""
    group, _created = Group.objects.get_or_create(name="Moderators")
    codenames = [
        "access_admin", "view_ticket", "change_ticket", "add_cannedreply", "change_cannedreply",
        "delete_cannedreply", "view_cannedreply", "view_slapolicy",
    ]  # fmt: skip
    group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    return group


def default_sla_policies() -> None:
    """The targets per priority, made by a data migration: put back the same way after an
    earlier transactional test flushed them."""
    importlib.import_module("tickets.migrations.0005_agent_workspace").add_policies(apps, None)


def test_the_agent_queue_on_a_phone(chromium, live_server, products):
    default_sla_policies()
    agent = UserFactory(username="agent", display_name="Sam Agent", is_staff=True)
    agent.groups.add(moderators())
    customer = UserFactory(username="customer", display_name="Priya Raman")
    long_ago = timezone.now() - dt.timedelta(days=30)
    late = services.file_ticket(
        customer,
        product=products["relay"],
        subject="Webhooks down for a month",
        description="Nothing arrives at our endpoint since last month.",
        priority=4,
        at=long_ago,
        enforce_limits=False,
        notify=False,
    )
    others = [
        services.file_ticket(
            customer,
            product=products["relay"],
            subject=subject,
            description="Please have a look at this when you can.",
            enforce_limits=False,
            notify=False,
        )
        for subject in ("Export is slow", "Invoice address wrong")
    ]

    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/account/login/")
        page.get_by_label("Email").first.fill(agent.email)
        page.get_by_label("Password").first.fill("correct horse battery")
        page.locator("form").filter(has=page.get_by_label("Password")).locator(
            "button[type=submit]"
        ).first.click()
        page.wait_for_load_state()
        page.goto(QUEUE)

        # Cards: no table header, each ticket a block no wider than the screen.
        expect(page.locator("#listing-results thead")).to_be_hidden()
        rows = page.locator("#listing-results tbody tr")
        expect(rows).to_have_count(3)
        for index in range(3):
            box = rows.nth(index).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        late_card = rows.filter(has_text=late.subject)
        expect(late_card).to_be_visible()
        breach = late_card.locator("[data-sla-breached]").first
        expect(breach).to_be_visible()
        expect(breach).to_contain_text("Overdue by")
        expect(breach.locator("svg")).to_be_visible()
        page.screenshot(path="/tmp/agent-queue-375.png", full_page=True)

        # "?" opens the list of shortcuts; Escape closes it.
        page.keyboard.press("?")
        dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
        expect(dialog).to_be_visible()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()

        # Typing in a field fires nothing.
        search = page.locator("input[name=q]:visible").first
        search.press("a")
        search.press("c")
        assert not Ticket.objects.filter(assignee=agent).exists()
        assert not Ticket.objects.filter(status=Ticket.Status.CLOSED).exists()
        search.fill("")
        search.evaluate("field => field.blur()")

        # j moves to the first card, a assigns it to me.
        page.keyboard.press("j")
        first = rows.first
        expect(first).to_have_attribute("aria-current", "true")
        subject = first.get_by_role("link").first.inner_text()
        page.keyboard.press("a")
        expect(page.locator(".messages")).to_contain_text("1 ticket assigned")
        assigned = Ticket.objects.get(assignee=agent)
        assert assigned.subject in subject
        assert TicketChange.objects.filter(ticket=assigned, field="assignee", actor=agent).exists()

        # Bulk close: tick two cards, close them.
        for ticket in others:
            page.get_by_label(f"Select {ticket.reference}").check()
        expect(page.locator("[data-support-selected]")).to_have_text("Selected: 2")
        page.get_by_role("button", name="Close selected").click()
        expect(page.locator(".messages")).to_contain_text("2 tickets closed")
        for ticket in others:
            ticket.refresh_from_db()
            assert ticket.status == Ticket.Status.CLOSED
        late.refresh_from_db()
        assert late.status != Ticket.Status.CLOSED

        # Save the "breached" filter as a view: the sidebar counts it.
        page.goto(f"{QUEUE}?sla=breached")
        expect(rows).to_have_count(1)
        page.get_by_label("Save these filters as").fill("Late work")
        page.get_by_role("button", name="Save view").click()
        view = page.get_by_role("navigation", name="Views").get_by_role("link", name="Late work")
        expect(view).to_contain_text("1 ticket")
        expect(view).to_have_attribute("aria-current", "page")
    finally:
        context.close()
