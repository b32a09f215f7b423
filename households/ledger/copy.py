"""Bulk creation with history through PostgreSQL's COPY.

``copy_create_with_history`` does what ``simple_history.utils.
bulk_create_with_history`` does — insert the rows, then one historical row
each ("+", with the user, the change reason and the date) — at a fraction
of the cost: Django's ``bulk_create`` spends most of its time preparing each
value of each row in Python (and ``bulk_history_create`` builds a second
model instance per row first), while COPY streams plain text the server
parses itself. Primary keys are drawn from the table's sequence first (one
query), so the rows and their history are written with their ids and the
instances get their ``pk``, as bulk_create gives them.

Only PostgreSQL has COPY; elsewhere the services use bulk_create_with_history.
The database still checks every constraint (a violation aborts the COPY and
the caller's transaction rolls back).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from io import StringIO
from operator import attrgetter

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

#: Rows per COPY statement (bounds the memory of the text buffer).
COPY_CHUNK = 20_000

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def _text(value) -> str:
    """One value in COPY's text format (for values of no known field type)."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).translate(_ESCAPES)


def _encoder(field: models.Field):
    """A function: instance → the COPY text of ``field``'s value.

    One per column, chosen once: the per-row work is a getattr and a str.
    """
    get = attrgetter(field.attname)
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def encode_json(obj):
            value = get(obj)
            return NULL if value is None else json.dumps(value, cls=encoder).translate(_ESCAPES)

        return encode_json
    if isinstance(field, models.CharField | models.TextField):

        def encode_text(obj):
            value = get(obj)
            return NULL if value is None else value.translate(_ESCAPES)

        return encode_text
    if isinstance(field, models.BooleanField):
        return lambda obj: {True: "t", False: "f", None: NULL}[get(obj)]
    if isinstance(field, models.IntegerField | models.DecimalField | models.ForeignKey):

        def encode_number(obj):
            value = get(obj)
            return NULL if value is None else str(value)

        return encode_number
    if isinstance(field, models.DateTimeField):
        return lambda obj: _text(get(obj))
    if isinstance(field, models.DateField):

        def encode_date(obj):
            value = get(obj)
            return NULL if value is None else value.isoformat()

        return encode_date
    return lambda obj: _text(field.get_db_prep_save(get(obj), connection))


def _copy(cursor, table: str, columns: list[str], lines) -> None:
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    buffer = StringIO()
    buffer.writelines(lines)
    buffer.seek(0)
    cursor.copy_expert(statement, buffer)


def copy_create_with_history(
    objs: list[models.Model],
    model: type[models.Model],
    *,
    default_user=None,
    default_change_reason: str = "",
    default_date: datetime | None = None,
) -> list[models.Model]:
    """Insert ``objs`` (unsaved instances of ``model``) and their history; set their pks."""
    if not objs:
        return objs
    now = timezone.now()
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    for field in fields:
        # What bulk_create's pre_save does: auto_now / auto_now_add dates.
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    for obj in objs:
        # Related objects saved earlier in the import: copy their new pks.
        obj._prepare_related_fields_for_save(operation_name="copy_create_with_history")
    history = get_history_model_for_model(model)
    history_fields = history.tracked_fields
    history_columns = [history._meta.get_field(f.name).column for f in history_fields] + [
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user_id",
    ]
    # history_date, history_change_reason, history_type, history_user_id
    history_tail = "\t".join(
        [
            _text(default_date or now),
            _text(default_change_reason),
            "+",
            _text(default_user.pk if default_user is not None else None),
        ]
    )
    encoders = [_encoder(f) for f in fields]
    columns = [opts.pk.column] + [f.column for f in fields]
    # Each value is encoded once and serves both tables: the historical row
    # repeats the row's own columns (its tracked fields), in its own order.
    position = {f.attname: i for i, f in enumerate([opts.pk, *fields])}
    history_positions = [position[f.attname] for f in history_fields]
    with connection.cursor() as cursor:
        for start in range(0, len(objs), COPY_CHUNK):
            chunk = objs[start : start + COPY_CHUNK]
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, opts.pk.column, len(chunk)],
            )
            rows = []
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias
                rows.append([str(pk), *[encode(obj) for encode in encoders]])
            _copy(cursor, opts.db_table, columns, ("\t".join(row) + "\n" for row in rows))
            _copy(
                cursor,
                history._meta.db_table,
                history_columns,
                (
                    "\t".join([row[i] for i in history_positions]) + "\t" + history_tail + "\n"
                    for row in rows
                ),
            )
    return objs
