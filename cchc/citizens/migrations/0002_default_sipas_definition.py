"""The default survey: SIPAS 2023–2026, 5 elements, 19 items (marked illustrative)."""

from django.db import migrations


def forward(apps, schema_editor):
    from cchc.citizens.defaults import create_default

    create_default(apps)


def backward(apps, schema_editor):
    definition = apps.get_model("citizens", "SurveyDefinition")
    question = apps.get_model("citizens", "SurveyQuestion")
    element = apps.get_model("citizens", "SurveyElement")
    found = definition.objects.filter(code="sipas", version=1, responses__isnull=True)
    question.objects.filter(element__definition__in=found).delete()
    element.objects.filter(definition__in=found).delete()
    found.delete()


class Migration(migrations.Migration):
    dependencies = [("citizens", "0001_surveys")]

    operations = [migrations.RunPython(forward, backward)]
