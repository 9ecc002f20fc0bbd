"""The data migration's default survey."""
import importlib

import pytest
from django.apps import apps

from surveys.models import Question, Survey

pytestmark = pytest.mark.django_db

default_survey_migration = importlib.import_module("surveys.migrations.0002_default_survey")


def test_default_survey_migration_creates_an_active_default_with_csat_nps_and_optional_text():
    Survey.objects.all().delete()
    default_survey_migration.create_default_survey(apps, None)
    survey = Survey.objects.get()
    assert survey.queue is None and survey.is_active
    assert list(survey.questions.values_list("kind", "prompt", "required")) == [
        (Question.Kind.CSAT, "How satisfied are you with this chat?", True),
        (Question.Kind.NPS, "How likely are you to recommend us to a friend?", True),
        (Question.Kind.TEXT, "Anything else you would like to tell us?", False),
    ]


def test_default_survey_migration_leaves_an_existing_active_default_alone(default_survey):
    default_survey_migration.create_default_survey(apps, None)
    assert list(Survey.objects.filter(queue=None, is_active=True)) == [default_survey]
