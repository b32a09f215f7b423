"""django-axes under a Chinese name in the admin's index (the library leaves
its app named "Axes", which gettext cannot translate)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("登录防护")
