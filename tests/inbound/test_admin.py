"""The inbound log in the admin: agents read it, nobody changes it, customers never see it."""

import pytest

from inbound.services import process_inbound

from .mails import compose

pytestmark = pytest.mark.django_db


def test_agents_read_the_log_and_nobody_edits_it(client, support_mail, agent, staff, products):
    record = process_inbound(
        compose(sender="bot@example.com", to="support@portico.test", subject="Out of office",
                text="Away.", headers={"Auto-Submitted": "auto-replied"})
    )  # fmt: skip
    client.force_login(agent)
    listing = client.get("/admin/support/inbound/")
    assert listing.status_code == 200
    assert "bot@example.com" in listing.content.decode()
    assert client.get(f"/admin/support/inbound/inspect/{record.pk}/").status_code == 200
    assert client.get(f"/admin/support/inbound/edit/{record.pk}/").status_code in (302, 403, 404)
    assert client.get("/admin/support/inbound/new/").status_code in (302, 403, 404)
    client.force_login(staff)  # staff without the support permissions
    assert client.get("/admin/support/inbound/").status_code in (302, 403)
