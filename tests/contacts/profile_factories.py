"""Companies and attribute definitions for the profile, companies and data attributes tests."""

from __future__ import annotations

import factory

from tests.factories import WorkspaceFactory


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contacts.Company"

    workspace = factory.SubFactory(WorkspaceFactory)
    company_id = factory.Sequence(lambda n: f"company-{n}")
    name = factory.Sequence(lambda n: f"Company {n}")


class AttributeDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contacts.AttributeDefinition"

    workspace = factory.SubFactory(WorkspaceFactory)
    target = "contact"
    key = factory.Sequence(lambda n: f"attribute_{n}")
    type = "string"
