from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "账号与安全"

    def ready(self):
        from accounts import signals  # noqa: F401 (connects the receivers)
