"""Log records with every ID number masked.

A log line may carry what a user typed (a search, a filter of an export): the
filter masks any ID number in the formatted message before a handler writes
it, as the audit trail does (``households.rules.mask_id_numbers``).
"""

from __future__ import annotations

import logging

from households.rules import mask_id_numbers


class RedactIdNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a badly formatted record is the handler's to report
            return True
        masked = mask_id_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
