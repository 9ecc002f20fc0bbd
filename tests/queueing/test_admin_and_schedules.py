"""The admin's queueing pages and actions, and the beat schedule from migration."""
import pytest
from django.contrib.auth import get_user_model
from django_celery_beat.models import PeriodicTask

from queueing.models import Reservation
from queueing.services.reservations import reservation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_admin_lists_reservations_by_queue_and_status_and_agents_with_load(
    admin_client_logged_in, make_queue, make_agent, make_guest, published
):
    queue = make_queue()
    make_agent(queue)
    reservation_create(guest=make_guest(), queue_name="support")
    for url in ["/admin/queueing/reservation/?status__exact=offered&queue__id__exact=%d" % queue.pk,
                "/admin/queueing/agent/", "/admin/queueing/queue/"]:
        assert admin_client_logged_in.get(url).status_code == 200, url


def test_admin_actions_cancel_and_requeue_through_the_services(admin_client_logged_in, make_queue, make_guest,
                                                               published):
    make_queue()
    first, _ = reservation_create(guest=make_guest(), queue_name="support")
    second, _ = reservation_create(guest=make_guest(), queue_name="support")
    url = "/admin/queueing/reservation/"
    admin_client_logged_in.post(url, {"action": "cancel", "_selected_action": [first.pk]})
    assert Reservation.objects.get(pk=first.pk).status == "canceled"
    assert published.updates_for(second.guest_id)[-1]["queue_position"] == 1

    admin_client_logged_in.post(url, {"action": "requeue", "_selected_action": [first.pk]})
    assert Reservation.objects.get(pk=first.pk).status == "queued"
    assert published.updates_for(second.guest_id)[-1]["queue_position"] == 2


def test_beat_schedules_for_the_queueing_tasks_exist():
    tasks = dict(PeriodicTask.objects.filter(task__startswith="queueing.tasks.").values_list("task", "interval__every"))
    assert tasks == {
        "queueing.tasks.refresh_wait_estimates": 10,
        "queueing.tasks.expire_quiet_and_overdue_reservations": 10,
        "queueing.tasks.return_lapsed_offers": 5,
        "queueing.tasks.publish_wallboard": 5,
    }
