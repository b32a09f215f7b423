from tests.accounts.personas import admin_client_for, admins, client_for, town  # noqa: F401
