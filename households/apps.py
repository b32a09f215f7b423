from django.apps import AppConfig
from django.db.models.signals import post_migrate


class HouseholdsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "households"
    verbose_name = "建档立卡户"

    def ready(self):
        from households.roles import sync_roles

        # After auth has created the permissions of every app.
        post_migrate.connect(sync_roles, sender=self, dispatch_uid="households.sync_roles")
