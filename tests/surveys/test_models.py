"""At most one active survey per queue and one active default, enforced by the database."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from surveys.models import Survey
from tests.surveys.factories import survey_create

pytestmark = pytest.mark.django_db


def test_a_second_active_survey_for_the_same_queue_is_refused(support_queue):
    survey_create(queue=support_queue)
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(name="Another", queue=support_queue, is_active=True)


def test_a_second_active_default_survey_is_refused(default_survey):
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(name="Another default", queue=None, is_active=True)


def test_inactive_surveys_do_not_count_against_the_one_active_rule(support_queue, default_survey):
    Survey.objects.create(name="Old default", queue=None, is_active=False)
    Survey.objects.create(name="Old support", queue=support_queue, is_active=False)
    Survey.objects.create(name="Support", queue=support_queue, is_active=True)
    assert Survey.objects.filter(is_active=True).count() == 2


def test_a_second_active_default_survey_fails_model_validation_with_a_clear_message(default_survey):
    with pytest.raises(ValidationError, match="already an active default survey"):
        Survey(name="Another default", queue=None, is_active=True).full_clean()
