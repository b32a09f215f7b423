from django.apps import AppConfig


class SummariesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "summaries"
    verbose_name = "汇总数"

    def ready(self):
        from summaries import signals

        signals.connect()
