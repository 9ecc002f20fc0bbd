"""The customer widget in headless Chromium, embedded on a page of another origin,
against live daphne, Redis and a Celery worker."""
import re
import signal

import pytest
from playwright.sync_api import expect

from chat.models import Guest
from queueing.models import Reservation
from queueing.services.reservations import reservation_cancel, reservation_create
from tests.browser.conftest import log_in, off_the_loop, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def open_widget(context, host_page):
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(host_page.url)
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator(".cc-status")).to_have_text("Online")
    return page


def say(page, text):
    page.fill("#cc-input", text)
    page.press("#cc-input", "Enter")


def test_the_whole_customer_journey_from_bot_to_survey(browser, product, host_page, agent_user):
    guest_context = browser.new_context(viewport={"width": 1000, "height": 760})
    page = guest_context.new_page()
    page.goto(host_page.url)
    expect(page.get_by_role("button", name="Chat with us")).to_be_visible()
    screenshot(page, "widget-closed")
    page.get_by_role("button", name="Chat with us").click()
    page.on("dialog", lambda dialog: dialog.accept())
    expect(page.locator(".cc-status")).to_have_text("Online")

    # The bot answers from the FAQ.
    say(page, "What are your opening hours?")
    expect(page.locator(".cc-msg.cc-bot").last).to_contain_text("We are open 8:00 to 18:00")
    screenshot(page, "widget-bot")

    # Someone is already waiting: asking for a person puts this guest second.
    earlier, _ = off_the_loop(reservation_create, guest=Guest.objects.create(), queue_name="support")
    say(page, "I would like to talk to a person")
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.locator(".cc-position")).to_have_text("You are number 2 in the queue.")
    expect(page.locator(".cc-estimate")).to_have_text("No estimate yet.")
    off_the_loop(reservation_cancel, reservation=earlier)
    expect(page.locator(".cc-position")).to_have_text("You are number 1 in the queue.")
    screenshot(page, "widget-queue")

    # A staff member accepts it in the console, in another browser context.
    staff_context = browser.new_context(viewport={"width": 1200, "height": 800})
    console = staff_context.new_page()
    console.on("dialog", lambda dialog: dialog.accept())
    log_in(console, product.url, "alex")
    console.goto(f"{product.url}/admin/chat/conversation/console/")
    expect(console.locator("#console-connection")).to_have_text("Online")
    console.select_option("#agent-status", "available")
    console.get_by_role("button", name="Accept").click()
    expect(console.locator("#chat-log")).to_contain_text("What are your opening hours?")
    expect(page.locator(".cc-queue")).to_be_hidden()

    # Messages both ways, with the typing indicator both ways.
    console.fill("#chat-input", "Hello, this is Alex")
    console.locator("#chat-input").dispatch_event("input")
    expect(page.locator(".cc-typing")).to_contain_text("is typing")
    console.press("#chat-input", "Enter")
    staff_message = page.locator(".cc-msg.cc-staff").last
    expect(staff_message).to_contain_text("Hello, this is Alex")
    expect(staff_message.locator(".cc-sender")).to_have_text("Alex Agent")
    page.fill("#cc-input", "Hi Alex")
    page.locator("#cc-input").dispatch_event("input")
    expect(console.locator("#chat-typing")).to_have_text("The customer is typing…")
    page.press("#cc-input", "Enter")
    expect(console.locator("#chat-log")).to_contain_text("Hi Alex")
    # The agent has the chat open, so it is read: the guest sees a receipt.
    expect(page.locator(".cc-msg.cc-guest", has_text="Hi Alex").locator(".cc-read")).to_have_text("Read")
    screenshot(page, "widget-chat")

    # The guest goes offline while the agent writes and the guest types.
    guest_context.set_offline(True)
    expect(page.locator(".cc-status")).to_contain_text("Offline")
    for text in ("First while you were away", "Second while you were away"):
        console.fill("#chat-input", text)
        console.press("#chat-input", "Enter")
        expect(console.locator("#chat-log")).to_contain_text(text)
    say(page, "Written offline")
    expect(page.locator(".cc-pending")).to_contain_text("Written offline")
    guest_context.set_offline(False)
    expect(page.locator(".cc-status")).to_have_text("Online", timeout=15000)
    for text in ("First while you were away", "Second while you were away"):
        expect(page.locator(".cc-msg", has_text=text)).to_have_count(1)
    expect(page.locator(".cc-pending")).to_have_count(0)
    expect(page.locator(".cc-msg.cc-guest", has_text="Written offline")).to_have_count(1)
    expect(console.locator("#chat-log li", has_text="Written offline")).to_have_count(1)
    seqs = [int(s) for s in page.locator(".cc-log [data-seq]").evaluate_all("els => els.map(e => e.dataset.seq)")]
    assert seqs == sorted(set(seqs))

    # End chat: chat.ended, then the survey on the same socket, then the widget lets go.
    page.get_by_role("button", name="End chat").click()
    expect(page.locator(".cc-ended")).to_have_text("This chat has ended.")
    expect(page.locator(".cc-survey-form")).to_be_visible()
    screenshot(page, "widget-survey")
    assert page.evaluate("window.ContactCenterWidget.connection.socket.readyState") == 1  # still open
    page.locator(".cc-csat input[value='5']").check()
    page.locator(".cc-nps input[value='9']").check()
    page.locator(".cc-survey textarea").fill("Quick and kind")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator(".cc-thanks")).to_have_text("Thank you for your feedback!")
    expect(page.locator(".cc-status")).to_have_text("Disconnected")

    # The answer is in the admin's survey results.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-test-password")
    admin_page = browser.new_context().new_page()
    log_in(admin_page, product.url, "boss")
    admin_page.goto(f"{product.url}/admin/surveys/survey/results/")
    expect(admin_page.locator("body")).to_contain_text("Alex Agent")
    expect(admin_page.locator("body")).to_contain_text("5.0")
    assert Reservation.objects.filter(status="completed").count() == 1  # the agent's slot is free again


def test_a_reload_continues_the_same_conversation(browser, product, host_page, support):
    page = open_widget(browser.new_context(), host_page)
    say(page, "What are your opening hours?")
    expect(page.locator(".cc-msg.cc-bot").last).to_contain_text("We are open")
    page.reload()
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator(".cc-msg.cc-guest")).to_have_text(re.compile("What are your opening hours"))
    expect(page.locator(".cc-msg.cc-bot", has_text="We are open")).to_have_count(1)


def test_html_in_a_message_is_shown_as_text_and_never_runs(browser, product, host_page, support):
    dialogs = []
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(host_page.url)
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator(".cc-status")).to_have_text("Online")
    say(page, "<img src=x onerror=alert(1)>")
    expect(page.locator(".cc-msg.cc-guest .cc-body").last).to_have_text("<img src=x onerror=alert(1)>")
    expect(page.locator(".cc-msg.cc-bot").nth(1)).to_be_visible()  # the bot's answer came back too
    assert page.locator(".cc-log img").count() == 0
    assert dialogs == []


def test_the_status_shows_reconnecting_while_the_server_is_down_and_online_after(
        browser, start_daphne, product, host_page, support):
    page = open_widget(browser.new_context(), host_page)
    product.signal(signal.SIGTERM)
    product.wait()
    expect(page.locator(".cc-status")).to_contain_text("Reconnecting")
    start_daphne(port=product.port, CHAT_ALLOWED_ORIGINS=f"localhost,http://127.0.0.1:{product.host_port}")
    expect(page.locator(".cc-status")).to_have_text("Online", timeout=40000)
    say(page, "What are your opening hours?")
    expect(page.locator(".cc-msg.cc-bot").last).to_contain_text("We are open")


def test_the_widget_fits_a_360_pixel_screen_and_works_from_the_keyboard(browser, product, host_page, support):
    page = browser.new_context(viewport={"width": 360, "height": 640}).new_page()
    page.goto(host_page.url)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cc-input")).to_be_focused()
    box = page.locator(".cc-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    page.keyboard.type("What are your opening hours?")
    page.keyboard.press("Enter")
    expect(page.locator(".cc-msg.cc-bot").last).to_contain_text("We are open")
    page.keyboard.press("Escape")
    expect(page.locator(".cc-panel")).to_be_hidden()
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()


def test_a_first_message_written_before_the_socket_is_up_is_sent_once_it_is(browser, product, host_page, support):
    context = browser.new_context()
    page = context.new_page()
    page.goto(host_page.url)
    context.set_offline(True)
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator(".cc-status")).to_contain_text("Offline")
    say(page, "What are your opening hours?")  # no conversation yet, and no socket
    expect(page.locator(".cc-pending")).to_contain_text("What are your opening hours?")
    context.set_offline(False)
    expect(page.locator(".cc-msg.cc-bot").last).to_contain_text("We are open", timeout=15000)
    expect(page.locator(".cc-msg.cc-guest", has_text="What are your opening hours?")).to_have_count(1)
    expect(page.locator(".cc-pending")).to_have_count(0)
