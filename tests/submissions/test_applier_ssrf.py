"""post_json sends personal data to a scraped URL: never to an inside address, and what the
board answers never reaches the user (only a status-based message does)."""
import pytest

from core.net import OutgoingAddressRefused, OutgoingPolicy
from devtools.fake_apply_board import FakeJobBoard
from devtools.loopback import LoopbackServer, Reply
from realtime.models import Event
from submissions import worker
from submissions.appliers import ApplyError, post_json

POST_JSON = "submissions.appliers.post_json"
SECRET = "aws_secret_access_key=AKIA-TOP-SECRET; internal host 10.1.2.3"


def request_for(url: str) -> dict:
    return {
        "submission_id": "s-1",
        "job_id": "j-1",
        "attempt": 1,
        "target_name": "Engineer",
        "applicant": {"name": "Alice", "email": "alice@example.com", "resume_text": "private resume"},
        "posting": {"id": 1, "title": "Engineer", "url": url, "apply_url": url, "active": True},
    }


@pytest.fixture
def board():
    with FakeJobBoard() as fake:
        yield fake


def test_inside_addresses_are_refused_before_sending(settings, board):
    settings.OUTGOING_ALLOW_LOOPBACK = False
    port = board.server.port
    for url in (f"{board.url}/apply/ok/1", f"http://localhost:{port}/apply/ok/2", "http://169.254.169.254/latest/",
                "http://10.0.0.1/apply", "http://[fd00:ec2::254]/", "http://100.64.0.1/apply"):
        with pytest.raises(ApplyError) as failed:
            post_json(request_for(url))
        assert isinstance(failed.value.__cause__, OutgoingAddressRefused), url
        message = failed.value.message
        assert message == "The application URL leads to an address Jobelix does not send applications to."
    assert board.applications == []  # nothing left the building


def test_the_boards_answer_is_never_shown(settings):
    settings.OUTGOING_ALLOW_LOOPBACK = True
    talkative = LoopbackServer(lambda request: Reply.json({"error": SECRET, "detail": SECRET}, 422)).start()
    plain = LoopbackServer(lambda request: Reply.text(SECRET * 50, 500)).start()
    try:
        for server, status in ((talkative, 422), (plain, 500)):
            with pytest.raises(ApplyError) as failed:
                post_json(request_for(server.url + "/apply"))
            assert failed.value.message == f"The board answered HTTP {status}."
            assert len(server.requests) == 1  # it was sent; only the reply is withheld
    finally:
        talkative.stop()
        plain.stop()


def test_an_unreachable_board_is_named_by_its_host_only(settings, board):
    settings.OUTGOING_ALLOW_LOOPBACK = True
    port = board.server.port
    board.close()  # nothing listens there now
    with pytest.raises(ApplyError) as failed:
        post_json(request_for(f"http://127.0.0.1:{port}/apply/ok/1"))
    assert failed.value.message == "Could not reach 127.0.0.1: ConnectError"


def test_each_redirect_hop_is_checked(board):
    """The first board (allowed) redirects to a second loopback port the policy does not allow."""
    hop = LoopbackServer(lambda request: Reply(307, b"", {"Location": f"{board.url}/apply/ok/9"})).start()
    try:
        policy = OutgoingPolicy(allow_loopback=True, loopback_ports=frozenset({hop.port}))
        with pytest.raises(ApplyError) as failed:
            post_json(request_for(hop.url + "/apply"), policy=policy)
        assert isinstance(failed.value.__cause__, OutgoingAddressRefused)
        assert len(hop.requests) == 1 and board.applications == []

        both = OutgoingPolicy(allow_loopback=True, loopback_ports=frozenset({hop.port, board.server.port}))
        post_json(request_for(hop.url + "/apply"), policy=both)  # the same chain, allowed: it goes through
        assert [a["path"] for a in board.applications] == ["/apply/ok/9"]
    finally:
        hop.stop()


@pytest.mark.django_db(transaction=True)
def test_what_the_user_sees_of_a_failed_application(settings, user, make_job, board):
    """Through the worker: the submission's error and its live events carry no reply body nor address."""
    settings.SUBMISSIONS_APPLIER = POST_JSON
    settings.OUTGOING_ALLOW_LOOPBACK = True
    rejected = LoopbackServer(lambda request: Reply.json({"error": SECRET}, 422)).start()
    try:
        job = make_job(user, n=1, apply_url=rejected.url + "/apply")
        assert worker.run_submission_job(job.pk) == "completed"
        submission = job.submissions.get()
        assert (submission.status, submission.last_error_message) == ("failed", "The board answered HTTP 422.")

        settings.OUTGOING_ALLOW_LOOPBACK = False
        inside = make_job(user, n=1, apply_url="http://169.254.169.254/latest/meta-data")
        assert worker.run_submission_job(inside.pk) == "completed"
        submission = inside.submissions.get()
        assert submission.status == "failed" and "169.254" not in submission.last_error_message
    finally:
        rejected.stop()
    shown = repr(list(Event.objects.filter(user=user).values_list("data", flat=True)))
    assert "The board answered HTTP 422." in shown  # the events carry the error, and only that
    assert "AKIA" not in shown and "10.1.2.3" not in shown and "169.254" not in shown
