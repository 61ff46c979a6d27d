"""Which operators each field type takes, what value each needs, and how each reads in a
sentence. Compilation (compile.py) and one-contact evaluation (evaluate.py) implement the
same meaning for every operator; tests/contacts/test_audience_agreement.py checks that
they agree."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.audience.fields import BOOLEAN, CHOICE, DATE, EVENT, NUMBER, SEGMENT, TAG, TEXT

# What an operator's value must be.
NO_VALUE, STRING, NUMERIC, DAYS, DAY, COUNT, TAG_ID, SEGMENT_ID = (
    "none", "string", "number", "days", "date", "count", "tag", "segment",
)


@dataclass(frozen=True)
class Operator:
    key: str
    value: str
    # "%(field)s is %(value)s": how a condition reads (translated; Japanese orders it).
    sentence: str | Promise
    label: str | Promise  # in the builder's operator menu


def _op(key: str, value: str, sentence: str | Promise, label: str | Promise) -> Operator:
    return Operator(key, value, sentence, label)


_UNKNOWN = _op("unknown", NO_VALUE, _("%(field)s is unknown"), pgettext_lazy("filter operator", "is unknown"))
_KNOWN = _op("known", NO_VALUE, _("%(field)s has any value"), pgettext_lazy("filter operator", "has any value"))

OPERATORS: dict[str, tuple[Operator, ...]] = {
    TEXT: (
        _op("is", STRING, _("%(field)s is %(value)s"), pgettext_lazy("filter operator", "is")),
        _op("is_not", STRING, _("%(field)s is not %(value)s"), pgettext_lazy("filter operator", "is not")),
        _op("contains", STRING, _("%(field)s contains %(value)s"), pgettext_lazy("filter operator", "contains")),
        _op("not_contains", STRING, _("%(field)s does not contain %(value)s"), pgettext_lazy("filter operator", "does not contain")),
        _op("starts_with", STRING, _("%(field)s starts with %(value)s"), pgettext_lazy("filter operator", "starts with")),
        _op("ends_with", STRING, _("%(field)s ends with %(value)s"), pgettext_lazy("filter operator", "ends with")),
        _UNKNOWN,
        _KNOWN,
    ),
    CHOICE: (
        _op("is", STRING, _("%(field)s is %(value)s"), pgettext_lazy("filter operator", "is")),
        _op("is_not", STRING, _("%(field)s is not %(value)s"), pgettext_lazy("filter operator", "is not")),
        _UNKNOWN,
        _KNOWN,
    ),
    NUMBER: (
        _op("eq", NUMERIC, _("%(field)s equals %(value)s"), pgettext_lazy("filter operator", "equals")),
        _op("gt", NUMERIC, _("%(field)s is more than %(value)s"), pgettext_lazy("filter operator", "more than")),
        _op("lt", NUMERIC, _("%(field)s is less than %(value)s"), pgettext_lazy("filter operator", "less than")),
        _UNKNOWN,
        _KNOWN,
    ),
    DATE: (
        _op("more_than_days_ago", DAYS, _("%(field)s more than %(value)s days ago"), pgettext_lazy("filter operator", "more than … days ago")),
        _op("exactly_days_ago", DAYS, _("%(field)s exactly %(value)s days ago"), pgettext_lazy("filter operator", "exactly … days ago")),
        _op("less_than_days_ago", DAYS, _("%(field)s less than %(value)s days ago"), pgettext_lazy("filter operator", "less than … days ago")),
        _op("after", DAY, _("%(field)s after %(value)s"), pgettext_lazy("filter operator", "after")),
        _op("on", DAY, _("%(field)s on %(value)s"), pgettext_lazy("filter operator", "on")),
        _op("before", DAY, _("%(field)s before %(value)s"), pgettext_lazy("filter operator", "before")),
        _UNKNOWN,
        _KNOWN,
    ),
    BOOLEAN: (
        _op("is_true", NO_VALUE, _("%(field)s is true"), pgettext_lazy("filter operator", "is true")),
        _op("is_false", NO_VALUE, _("%(field)s is false"), pgettext_lazy("filter operator", "is false")),
        _UNKNOWN,
        _KNOWN,
    ),
    TAG: (
        _op("has", TAG_ID, _("tagged %(value)s"), pgettext_lazy("filter operator", "has")),
        _op("has_not", TAG_ID, _("not tagged %(value)s"), pgettext_lazy("filter operator", "does not have")),
    ),
    SEGMENT: (
        _op("in", SEGMENT_ID, _("in the segment %(value)s"), pgettext_lazy("filter operator", "is in")),
        _op("not_in", SEGMENT_ID, _("not in the segment %(value)s"), pgettext_lazy("filter operator", "is not in")),
    ),
    EVENT: (
        _op("performed", NO_VALUE, _("performed %(field)s"), pgettext_lazy("filter operator", "performed")),
        _op("never", NO_VALUE, _("never performed %(field)s"), pgettext_lazy("filter operator", "never performed")),
        _op("times_more_than", COUNT, _("performed %(field)s more than %(value)s times"), pgettext_lazy("filter operator", "more than … times")),
        _op("times_less_than", COUNT, _("performed %(field)s less than %(value)s times"), pgettext_lazy("filter operator", "less than … times")),
        _op("times_exactly", COUNT, _("performed %(field)s exactly %(value)s times"), pgettext_lazy("filter operator", "exactly … times")),
        _op("last_more_than_days_ago", DAYS, _("last performed %(field)s more than %(value)s days ago"),
            pgettext_lazy("filter operator", "last more than … days ago")),
        _op("last_less_than_days_ago", DAYS, _("last performed %(field)s less than %(value)s days ago"),
            pgettext_lazy("filter operator", "last less than … days ago")),
    ),
}


def operator_for(field_type: str, key: str) -> Operator | None:
    return next((op for op in OPERATORS.get(field_type, ()) if op.key == key), None)
