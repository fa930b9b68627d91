import pytest

from accounts.models import User
from policies.catalogue import catalogue_load
from policies.models import PolicyVersion


@pytest.fixture
def catalogue(db):
    """The shipped catalogues, loaded once for the test."""
    return catalogue_load()


@pytest.fixture
def kunming_latest(db):
    """Kunming's newest shipped version (2, effective 2026-12-01: the
    corrected catalogue beside version 1 as first published). Only that
    catalogue is loaded, to keep the tests fast; a second load by
    ``catalogue`` changes nothing."""
    catalogue_load(only=["kunming"])
    return PolicyVersion.objects.filter(document__jurisdiction__code="kunming").latest("number")


@pytest.fixture
def policy_admin(db):
    return User.objects.create_superuser(username="policy-admin", password="pw-policy-admin-1", email="a@example.gov.cn")


@pytest.fixture
def admin_client(client, policy_admin):
    client.force_login(policy_admin)
    return client
