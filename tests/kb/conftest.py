from types import SimpleNamespace

import pytest

from tests.factories import make_article, make_category, make_kb_index, publish

INSTALL_BODY = """Install the agent on each machine.

## Before you start

You need an account.

### System requirements

A computer.

## Install

::: tip
Run the installer as an administrator.
:::

| OS | Command |
|----|---------|
| Linux | `apt install agent` |
"""


@pytest.fixture
def kb(home):
    kb = make_kb_index(home)
    kb.intro = "Guides and answers for every product."
    return publish(kb)


@pytest.fixture
def tree(kb, products):
    """A small knowledge base: two categories, public, restricted and draft articles."""
    start = make_category(
        kb, title="Getting started", slug="getting-started", icon="rocket",
        summary="First steps with the portal.", intro="Read **this** first.",
    )  # fmt: skip
    billing = make_category(
        kb, title="Billing", slug="billing", icon="card", summary="Invoices and plans."
    )
    install = make_article(
        start, "Install the agent", INSTALL_BODY, slug="install-the-agent",
        summary="Get the agent running in five minutes.", segments=[products["ledger"]],
        tags=["setup", "agent"], featured=True,
    )  # fmt: skip
    configure = make_article(
        start,
        "Configure the agent",
        slug="configure",
        summary="Point it at your server.",
        tags=["setup", "agent"],
    )
    invoices = make_article(
        billing,
        "Download invoices",
        slug="invoices",
        summary="Get a PDF of any invoice.",
        tags=["invoices"],
    )
    secret = make_article(
        billing, "Enterprise single sign-on", slug="enterprise-sso",
        summary="Set up SSO for Atlas Enterprise.", segments=[products["atlas"]],
        restricted=True, featured=True, tags=["setup", "agent", "sso"],
    )  # fmt: skip
    draft = make_article(
        start,
        "Upcoming feature",
        slug="upcoming",
        live=False,
        summary="Not yet.",
        tags=["setup"],
        featured=True,
    )
    return SimpleNamespace(
        kb=kb, start=start, billing=billing, install=install, configure=configure,
        invoices=invoices, secret=secret, draft=draft,
    )  # fmt: skip
