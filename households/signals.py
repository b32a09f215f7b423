"""Signals the registry sends about its own writes.

``villages_changed`` is sent, with ``village_ids``, by the writes that go
around the models' ``save``/``delete`` (the ledger's bulk writes, the demo's
bulk loading): whatever keeps figures per village (``summaries``) listens to
it as it listens to the models' own signals.
"""

from django.dispatch import Signal

villages_changed = Signal()


def send_villages_changed(village_ids) -> None:
    """Tell the listeners that the registry rows of ``village_ids`` changed."""
    ids = {pk for pk in village_ids if pk is not None}
    if ids:
        villages_changed.send(sender=None, village_ids=ids)


def after_commit_for_villages(key: str, village_ids, work, *, using: str) -> None:
    """Call ``work(village_ids, using)`` once right after the current
    transaction commits, with every village id gathered under ``key`` by the
    calls of that transaction (at once outside a transaction). What keeps
    figures per village recounts them thus after the writes that changed them."""
    from django.db import transaction

    ids = sorted({pk for pk in village_ids if pk is not None})
    if not ids:
        return
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        work(ids, using)
        return
    attribute = f"{key}_pending"
    connection.__dict__.setdefault(attribute, set()).update(ids)

    def after_commit():
        todo = connection.__dict__.pop(attribute, set())
        if todo:
            work(sorted(todo), using)

    transaction.on_commit(after_commit, using=using)
