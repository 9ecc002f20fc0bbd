"""The supervisors' wallboard in the admin, in headless Chromium, updated live
by the wallboard task running on a real Celery worker."""
import pytest
from playwright.sync_api import expect

from queueing.tasks import publish_wallboard
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_console import GuestSocket

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_waiting_figure_updates_live_when_a_guest_escalates(browser, product, agent_user, supervisor):
    page = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
    log_in(page, product.url, "sam")
    page.goto(f"{product.url}/admin/queueing/queue/wallboard/")
    expect(page.locator("#wallboard-connection")).to_have_text("Live")
    waiting = page.locator("[data-queue=support] [data-figure=waiting]")
    expect(waiting).to_have_text("0")
    expect(page.locator("[data-queue=support] [data-figure=agents-away]")).to_have_text("0")
    expect(page.locator("[data-chart=support] svg")).to_be_visible()

    guest = GuestSocket(f"ws://localhost:{product.port}/ws/guest/")
    guest.open()
    guest.request("hello")
    conversation = guest.request("conversation.start", {"queue": "support"})["conversation"]
    guest.request("conversation.escalate", {"conversation": conversation})
    # What beat does every 5 s (no beat runs in tests): the worker computes the
    # figures and pushes them to the wallboard group.
    publish_wallboard.delay()

    expect(waiting).to_have_text("1")
    expect(page.locator("[data-queue=support] [data-figure=longest-wait]")).not_to_have_text("—")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    screenshot(page, "wallboard")
    guest.close()
