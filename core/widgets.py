from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class LongSelect(forms.Select):
    """A <select> for long, flat choice lists (the ~600 time zones). Django renders each
    option through a template, which costs ~0.4 ms an option; this builds the same markup
    directly, with every value and label escaped by format_html."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        current = "" if value is None else str(value)
        options = format_html_join(
            "",
            "<option value=\"{}\"{}>{}</option>",
            ((str(v), " selected" if str(v) == current else "", label) for v, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)
