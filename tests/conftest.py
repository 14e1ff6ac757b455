"""Shared fixtures: a small province, the personas, a plan."""

from __future__ import annotations

import pytest
from django.test import Client

from cchc.accounts.models import User
from cchc.agencies.models import Agency
from cchc.plans.models import Plan
from tests import factories


@pytest.fixture
def agencies(db: None) -> dict[str, Agency]:
    return factories.make_structure()


@pytest.fixture
def personas(agencies: dict[str, Agency]) -> dict[str, User]:
    return factories.make_personas(agencies)


@pytest.fixture
def plan(agencies: dict[str, Agency]) -> Plan:
    return factories.make_plan(14)


@pytest.fixture
def login(client: Client, personas: dict[str, User]):  # type: ignore[no-untyped-def]
    """login("officer_a") logs the test client in as that persona and returns it."""

    def _login(name: str) -> Client:
        client.force_login(personas[name])
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # Argon2 is deliberately slow; tests that check hashing itself set it back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
