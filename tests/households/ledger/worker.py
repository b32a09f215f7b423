"""The library's worker (django-tasks-db's ``db_worker`` loop), run in the
test's own process and database until no task is left."""

from unittest import mock

from django_tasks_db.management.commands import db_worker


def run_worker(max_tasks: int | None = None) -> int:
    """Run the queued tasks (at most ``max_tasks``); the number run."""
    worker = db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # Between tasks the worker drops its database connection when it is not
    # in autocommit mode, as a test's connection is (inside the test's
    # transaction): here it keeps it. Everything else is the library's loop.
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()
    return worker._run_tasks
