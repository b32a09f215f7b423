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
