"""The audience engine: one rule language for contact filters, segments, and the audiences
of outbound messages, bots, tours and series.

    from contacts import audience

    rule = audience.parse(raw_json, workspace=ws)        # RuleError with a clear message
    people = audience.contacts(rule, workspace=ws)       # a QuerySet of the workspace's contacts
    audience.count(rule, workspace=ws)
    audience.matches(rule, contact)                      # one contact, now
    audience.describe(rule)                              # "Last seen less than 30 days ago and …"
    audience.catalogue(ws)                               # fields and operators, for builders

Rules are versioned JSON (rules.py); their meaning is in engine.py.
"""

from contacts.audience.api import (  # noqa: F401
    EVERYONE,
    RuleError,
    builder_schema,
    catalogue,
    contacts,
    count,
    describe,
    matches,
    parse,
    q_for,
)
