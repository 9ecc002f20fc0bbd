"""The default survey, so every chat gets one from the first run.

Created once by migration (not at startup), so staff can edit its questions in
the admin without the next deploy putting them back.
"""
from django.db import migrations

DEFAULT_SURVEY_NAME = "After-chat survey"
DEFAULT_QUESTIONS = [
    # (kind, prompt, required)
    ("csat", "How satisfied are you with this chat?", True),
    ("nps", "How likely are you to recommend us to a friend?", True),
    ("text", "Anything else you would like to tell us?", False),
]


def create_default_survey(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Question = apps.get_model("surveys", "Question")
    if Survey.objects.filter(queue__isnull=True, is_active=True).exists():
        return
    survey = Survey.objects.create(name=DEFAULT_SURVEY_NAME, queue=None, is_active=True)
    Question.objects.bulk_create(
        Question(survey=survey, order=order, kind=kind, prompt=prompt, required=required)
        for order, (kind, prompt, required) in enumerate(DEFAULT_QUESTIONS, start=1)
    )


def delete_default_survey(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Survey.objects.filter(name=DEFAULT_SURVEY_NAME, queue__isnull=True, invitations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(create_default_survey, delete_default_survey)]
