"""The background tasks in the Django admin: the system administrator's.

Running the system's processes is the system administrator's duty (三员分立):
they see which tasks are queued, running, done or failed, and when. Nobody
adds, changes or deletes a task by hand. A task's arguments are primary keys
(a ledger import's id), never registry data; its traceback, which could hold
a database error's values, is not shown (the worker's log has it).

Replaces the admin django-tasks-db registers, whose pages show every field.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(admin.ModelAdmin):
    list_display = ["task_label", "status", "enqueued_at", "started_at", "finished_at", "attempts"]
    list_filter = ["status", "task_path"]
    ordering = ["-enqueued_at"]
    fields = [
        "id",
        "task_path",
        "args_kwargs",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "worker_ids",
        "return_value",
        "exception_class_path",
    ]
    readonly_fields = fields

    @admin.display(description=_("任务"), ordering="task_path")
    def task_label(self, result):
        return result.task_name

    @admin.display(description=_("运行次数"))
    def attempts(self, result):
        return len(result.worker_ids or [])

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
