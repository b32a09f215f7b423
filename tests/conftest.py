import pytest

from demo.build import build_demo_town, remove_demo_town


@pytest.fixture(scope="module")
def demo_town(django_db_setup, django_db_blocker):
    """The demo town of the 2020 report, built once per test module.

    It is committed (outside the per-test transaction) so that it is built
    once, and removed again when the module is done.
    """
    with django_db_blocker.unblock():
        build_demo_town()
    yield
    with django_db_blocker.unblock():
        remove_demo_town()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 is slow by design; tests only need passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_login_slowdown(settings):
    # The wait after repeated wrong passwords is tested where it is the point.
    settings.LOGIN_SLOWDOWN_SECONDS = 0


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Uploaded ledgers and evidence files go to a temporary folder, never the checkout.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_cache():
    # The dashboard and work report keep their figures in the (local-memory)
    # cache under keys of scope, date and year that tests share: no test
    # sees another's figures.
    from django.core.cache import cache

    cache.clear()
