"""Emails are background work: they go through Django's tasks framework after commit."""

import pytest
from django.tasks import task_backends
from django.tasks.backends.dummy import DummyBackend

from accounts.services import user_erase
from accounts.tasks import send_erasure_receipt


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    backend.clear()
    yield backend
    backend.clear()


@pytest.mark.django_db
def test_the_erasure_receipt_is_queued_not_sent_inline(
    member, queued, mailoutbox, django_capture_on_commit_callbacks
):
    email = member.email
    with django_capture_on_commit_callbacks(execute=True):
        receipt = user_erase(user_id=member.pk, reason="account_deletion", notify=[email])
    assert mailoutbox == []
    [result] = queued.results
    assert result.task.func is send_erasure_receipt.func
    assert result.args == [receipt.pk, [email]]


@pytest.mark.django_db
def test_the_queued_task_sends_the_receipt(member, mailoutbox):
    receipt = user_erase(user_id=member.pk, reason="account_deletion")
    send_erasure_receipt.call(receipt.pk, ["someone@example.com"])
    assert mailoutbox[0].to == ["someone@example.com"]
    assert str(receipt.reference) in mailoutbox[0].body
