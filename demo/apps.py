from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo town and its ``load_demo`` command; no models."""

    name = "demo"
    verbose_name = "演示数据"
