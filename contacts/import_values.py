"""Turning one CSV cell into a typed value, for the import. Spreadsheets written by hand
(and by Excel in Japan) carry full-width digits, 2024/1/5 dates, 2024年1月5日, "はい" and
thousands separators, so the parsers accept those; anything that still does not fit the
declared type raises CellError, which the import reports for the row instead of dropping
the value quietly."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from contacts.models import AttributeDefinition

EMAIL_MAX_LENGTH = 254
USER_ID_MAX_LENGTH = 255
NAME_MAX_LENGTH = 255

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on", "t", "はい", "真", "○", "◯"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off", "f", "いいえ", "偽", "×"})

_JAPANESE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[時:](\d{1,2})分?(?::?(\d{1,2})秒?)?)?$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y/%m/%d %H:%M",
                 "%Y/%m/%d %H:%M:%S", "%Y.%m.%d")
# Excel's formula-injection escape on export: a leading apostrophe before = + - @.
_ESCAPED_FORMULA = re.compile(r"^'[=+\-@]")


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalized(value: str) -> str:
    """Full-width letters and digits made plain (ＡＢＣ１２３ -> ABC123), spaces trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


def text_cell(value: str) -> str:
    value = value.strip()
    # Undo the apostrophe Parley's own export puts before a cell Excel would run as a formula.
    return value[1:] if _ESCAPED_FORMULA.match(value) else value


def email_cell(value: str) -> str:
    email = normalized(value)
    if len(email) > EMAIL_MAX_LENGTH:
        raise CellError(_("“%(value)s” is longer than an email address can be.") % {"value": email[:40] + "…"})
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CellError(_("“%(value)s” is not an email address.") % {"value": email}) from exc
    return email


def user_id_cell(value: str) -> str:
    user_id = value.strip()
    if len(user_id) > USER_ID_MAX_LENGTH:
        raise CellError(_("The user ID is longer than 255 characters."))
    return user_id


def datetime_cell(value: str, *, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """A moment from a date, a date and time (ISO 8601, 2024/01/05, 2024年1月5日) or a Unix
    timestamp. Without an offset it is read in the workspace's time zone."""
    text = normalized(value)
    moment = None
    if text.isdigit() and len(text) in (9, 10, 12, 13):
        seconds = int(text) / (1000 if len(text) > 10 else 1)
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    if moment is None and (match := _JAPANESE_DATE.match(text)):
        try:
            moment = dt.datetime(*(int(part) for part in match.groups() if part is not None))
        except ValueError:
            moment = None
    if moment is None:
        for date_format in _DATE_FORMATS:
            try:
                moment = dt.datetime.strptime(text, date_format)
                break
            except ValueError:
                continue
    if moment is None or not 1900 <= moment.year <= 2200:
        raise CellError(_("“%(value)s” is not a date; write it as 2024-01-31 or 2024-01-31 14:30.") % {"value": text})
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def number_cell(value: str) -> int | float:
    text = normalized(value).replace(",", "").replace("_", "").replace(" ", "")
    try:
        number = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            raise CellError(_("“%(value)s” is not a number.") % {"value": value.strip()}) from None
        if not math.isfinite(number):
            raise CellError(_("“%(value)s” is not a number.") % {"value": value.strip()}) from None
        if number.is_integer() and abs(number) < 2**53:
            number = int(number)
    return number


def boolean_cell(value: str) -> bool:
    word = normalized(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("“%(value)s” is not true or false.") % {"value": value.strip()})


def attribute_cell(value: str, *, definition: AttributeDefinition, tz: zoneinfo.ZoneInfo) -> object:
    """The JSON value stored in Contact.attributes for a cell of this custom attribute, in
    the form the audience engine reads (dates as UTC ISO 8601)."""
    kind = definition.type
    if kind == AttributeDefinition.Type.NUMBER:
        return number_cell(value)
    if kind == AttributeDefinition.Type.BOOLEAN:
        return boolean_cell(value)
    if kind == AttributeDefinition.Type.DATE:
        return datetime_cell(value, tz=tz).astimezone(dt.timezone.utc).isoformat()
    text = text_cell(value)
    if kind == AttributeDefinition.Type.LIST and definition.options and text not in definition.options:
        raise CellError(_("“%(value)s” is not one of the choices of %(attribute)s.")
                        % {"value": text, "attribute": definition.key})
    return text


def tag_names(value: str) -> list[str]:
    """Tags from one cell: separated by commas (also Japanese 、 and full-width ，)."""
    text = unicodedata.normalize("NFKC", value).replace("、", ",")
    return [" ".join(name.split())[:64] for name in text.split(",") if name.strip()]


def type_guess(samples: list[str]) -> str:
    """The type a new attribute most likely has, from a column's first values."""
    values = [sample for sample in samples if sample.strip()]
    if not values:
        return AttributeDefinition.Type.STRING
    for kind, parse in ((AttributeDefinition.Type.NUMBER, number_cell),
                        (AttributeDefinition.Type.BOOLEAN, boolean_cell),
                        (AttributeDefinition.Type.DATE, lambda v: datetime_cell(v, tz=zoneinfo.ZoneInfo("UTC")))):
        try:
            for sample in values:
                parse(sample)
        except CellError:
            continue
        # "1" and "0" read as numbers and as booleans; a column of only those is a number.
        return kind
    return AttributeDefinition.Type.STRING
