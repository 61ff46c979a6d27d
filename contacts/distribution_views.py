"""Distribution: how a filtered set of people splits by country, language, browser, OS,
device and role, as bar charts drawn on the server (no script, no outside tiles)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from contacts import audience, selectors
from contacts.models import Contact
from contacts.navigation import contacts_context
from core.htmx import WorkspaceRequest
from workspaces.decorators import workspace_member_required

DIMENSION_TITLES = {
    "country": gettext_lazy("Country"),
    "language": gettext_lazy("Browser language"),
    "browser": gettext_lazy("Browser"),
    "os": gettext_lazy("Operating system"),
    "device_type": gettext_lazy("Device"),
    "role": pgettext_lazy("kind of contact", "Type"),
}
DEVICE_LABELS = {
    "desktop": gettext_lazy("Desktop"),
    "mobile": gettext_lazy("Mobile"),
    "tablet": gettext_lazy("Tablet"),
    "bot": gettext_lazy("Bot"),
}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    bars: list[tuple[str, selectors.Bar]]  # (label, bar)
    total: int


def _language_label(code: str) -> str:
    for candidate in (code, code.split("-")[0]):
        try:
            return f"{get_language_info(candidate.lower())['name_translated']} ({code})"
        except KeyError:
            continue
    return code


def _label(dimension: str, bar: selectors.Bar) -> str:
    value = bar.value
    if bar.is_other:
        return _("Other")
    if not value:
        return _("Unknown")
    if dimension == "role":
        return str(dict(Contact.Role.choices).get(value, value))
    if dimension == "device_type":
        return str(DEVICE_LABELS.get(value, value))
    if dimension == "language":
        return _language_label(value)
    return value


@require_GET
@workspace_member_required
def distribution(request: WorkspaceRequest) -> HttpResponse:
    """Charts for the people that `rule` and `segment` select (the contacts list's parameters);
    a rule that does not parse is answered 400 with its reason, never with everyone."""
    rule_raw, segment_raw = request.GET.get("rule", ""), request.GET.get("segment", "")
    # The segment picker reads the navigation's own list (contacts_nav), so no extra query.
    context = contacts_context(request, "distribution", current_segment=segment_raw, rule_raw=rule_raw)
    try:
        people, rule, segment_name = selectors.audience_people(workspace=request.workspace, rule=rule_raw,
                                                               segment=segment_raw)
    except audience.RuleError as exc:
        return render(request, "contacts/distribution.html", {**context, "rule_error": str(exc)}, status=400)
    counts = selectors.distribution(people=people)
    charts = [
        Chart(key=dimension, title=str(DIMENSION_TITLES[dimension]),
              bars=[(_label(dimension, bar), bar) for bar in bars], total=sum(bar.count for bar in bars))
        for dimension, bars in counts.items()
    ]
    return render(request, "contacts/distribution.html", {
        **context, "charts": charts, "segment_name": segment_name,
        "rule_sentence": audience.describe(rule) if rule is not None and not rule.is_everyone else "",
        "total": charts[0].total if charts else 0,
    })
