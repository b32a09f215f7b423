from django.apps import AppConfig


class CensusConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "census"
    verbose_name = "普查准备"

    def ready(self):
        from census import snapshots

        snapshots.connect()
