"""Libraries under a Chinese name in the admin's index: django-axes (the
library leaves its app named "Axes", which gettext cannot translate) and the
database backend of the background tasks (django-tasks-db)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("登录防护")


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("后台任务")
