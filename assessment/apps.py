from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    """The lifting check (脱贫标准核验): above the registry and the measures,
    whose facts it reads; neither of them imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "assessment"
    verbose_name = "脱贫标准核验"
