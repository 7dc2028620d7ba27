"""Every email, ours and allauth's, is rendered in the request and sent by a task; with the
database backend a worker (``db_worker``) sends it, and a failed send is kept and retried."""

import datetime
from http import HTTPStatus

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.tasks import task_backends
from django.tasks.backends.dummy import DummyBackend
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.personal_data import export_user_data
from accounts.services import user_erase
from accounts.tasks import RETRY_DELAYS, MessageData, email_deliver
from consent.privacy import subject_hash
from guardians.services import guardian_request_send
from tests.factories import GuardianshipFactory, UserFactory

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
#: An SMTP server that is not there: nothing listens on the discard port.
DEAD_SMTP = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
    }
}


@pytest.fixture
def worker_backend(settings, monkeypatch):
    settings.TASKS = DATABASE_BACKEND
    # The worker closes connections left in a transaction, as the test's always is (the
    # test client keeps them open for the same reason).
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what an action leaves for after its transaction commits (the test's transaction
    never commits; the test client's requests do this themselves, see conftest)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def deliveries():
    return DBTaskResult.objects.filter(task_path=email_deliver.module_path).order_by("enqueued_at")


def sign_up(client, email="ana@example.com"):
    client.post(reverse("account_signup"), {"date_of_birth": "1990-05-17"})
    return client.post(
        reverse("account_signup"),
        {
            "username": "ana",
            "email": email,
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
            "agree": "on",
        },
    )


@pytest.mark.django_db
class TestWithTheWorker:
    def test_sign_up_returns_without_sending_and_the_worker_sends(
        self, client, worker_backend, mailoutbox, committed
    ):
        response = committed(sign_up, client)
        assert response.status_code == HTTPStatus.FOUND
        assert mailoutbox == []
        [queued] = deliveries()
        assert queued.status == "READY"
        assert queued.args_kwargs["kwargs"]["to"] == "ana@example.com"

        run_worker()

        [sent] = mailoutbox
        assert sent.to == ["ana@example.com"]
        assert "confirm" in sent.subject.lower()
        assert deliveries().get().status == "SUCCESSFUL"

    def test_a_failing_mail_server_leaves_the_task_failed_and_tried_again_later(
        self, client, worker_backend, settings, mailoutbox, committed
    ):
        settings.MAILERS = DEAD_SMTP
        assert (
            committed(sign_up, client).status_code == HTTPStatus.FOUND
        )  # the request is unaffected

        run_worker()

        failed, retry = deliveries()
        assert failed.status == "FAILED"
        assert "ConnectionRefusedError" in failed.exception_class_path
        assert retry.status == "READY"
        assert retry.args_kwargs["kwargs"]["attempt"] == 2
        assert retry.run_after > timezone.now() + RETRY_DELAYS[0] - datetime.timedelta(seconds=30)

        # The server is back, and the time has come.
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
        run_worker()
        assert [message.to for message in mail.outbox] == [["ana@example.com"]]
        assert deliveries().last().status == "SUCCESSFUL"

    def test_after_the_last_retry_the_send_is_given_up(self, worker_backend, settings):
        settings.MAILERS = DEAD_SMTP
        message: MessageData = {
            "subject": "Hello",
            "body": "Hello",
            "from_email": "no-reply@tomato.example",
            "reply_to": [],
            "headers": {},
            "alternatives": [],
        }
        email_deliver.enqueue(to="ana@example.com", message=message, attempt=len(RETRY_DELAYS) + 1)
        run_worker()
        assert [result.status for result in deliveries()] == ["FAILED"]


@pytest.mark.django_db
class TestEveryEmailIsQueued:
    def test_allauths_password_reset_goes_through_the_task(
        self, client, member, worker_backend, mailoutbox, committed
    ):
        committed(client.post, reverse("account_reset_password"), {"email": member.email})
        assert mailoutbox == []
        [queued] = deliveries()
        assert queued.args_kwargs["kwargs"]["to"] == member.email
        assert queued.args_kwargs["kwargs"]["about"] == subject_hash(member.pk)
        run_worker()
        assert mailoutbox[0].to == [member.email]
        assert "password" in mailoutbox[0].subject.lower()

    def test_the_guardian_request_is_rendered_when_sent_and_queued_per_recipient(
        self, worker_backend, committed
    ):
        guardianship = GuardianshipFactory()
        committed(guardian_request_send, guardianship=guardianship)
        queued = deliveries().last()
        kwargs = queued.args_kwargs["kwargs"]
        assert kwargs["to"] == guardianship.guardian_email
        assert kwargs["about"] == subject_hash(guardianship.teen.pk)
        assert "/guardian/consent/" in kwargs["message"]["body"]

    def test_nothing_is_queued_when_the_transaction_rolls_back(self, settings, member):
        # A backend that keeps what it is given in memory, where no rollback reaches.
        settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
        backend = task_backends["default"]
        assert isinstance(backend, DummyBackend)
        backend.clear()

        def erase_then_fail():
            with transaction.atomic():
                user_erase(user_id=member.pk, reason="account_deletion", notify=[member.email])
                raise RuntimeError

        with pytest.raises(RuntimeError):
            erase_then_fail()
        assert backend.results == []

    def test_the_immediate_backend_sends_at_the_end_of_the_request(
        self, client, mailoutbox, committed
    ):
        committed(sign_up, client)
        assert [message.to for message in mailoutbox] == [["ana@example.com"]]


@pytest.mark.django_db
class TestErasure:
    def test_erasure_removes_the_persons_queued_and_sent_emails_and_no_one_elses(
        self, client, member, worker_backend, mailoutbox, committed
    ):
        other = UserFactory(email="other@example.com")
        reset = reverse("account_reset_password")
        committed(client.post, reset, {"email": member.email})
        committed(client.post, reset, {"email": other.email})
        run_worker()  # both sent
        committed(client.post, reset, {"email": member.email})  # pending
        assert deliveries().count() == 3

        committed(user_erase, user_id=member.pk, reason="account_deletion")

        assert [r.args_kwargs["kwargs"]["to"] for r in deliveries()] == ["other@example.com"]

    def test_the_export_lists_the_persons_emails(self, client, member, worker_backend, committed):
        committed(client.post, reverse("account_reset_password"), {"email": member.email})
        [section] = [
            s for s in export_user_data(member) if s.key == "django_tasks_database.dbtaskresult"
        ]
        [row] = section.rows
        assert member.email in row
        assert any("password" in str(cell).lower() for cell in row)


@pytest.mark.django_db
def test_the_readmes_cron_line_keeps_sent_emails_a_day_and_failed_ones_thirty(worker_backend):
    now = timezone.now()
    ages = [("SUCCESSFUL", 0.5), ("SUCCESSFUL", 2), ("FAILED", 2), ("FAILED", 31)]
    for status, age in ages:
        DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {"to": f"{status}{age}@example.com"}},
            task_path=email_deliver.module_path,
            backend_name="default",
            run_after=now,
            status=status,
            finished_at=now - datetime.timedelta(days=age),
        )
    call_command(
        "prune_db_task_results", "--min-age-days", "1", "--failed-min-age-days", "30", verbosity=0
    )
    kept = sorted(r.args_kwargs["kwargs"]["to"] for r in deliveries())
    assert kept == ["FAILED2@example.com", "SUCCESSFUL0.5@example.com"]
