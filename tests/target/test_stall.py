"""StallWatch: consecutive requests without an answer, shared by every process of a run."""

from __future__ import annotations

import httpx
import pytest

from conformance import outcomes as oc
from conformance.target.client import DataPlaneClient
from conformance.target.stall import StallWatch, TargetStalled


def test_threshold_failures_in_a_row_declare_the_stall_for_every_process(tmp_path) -> None:
    ours, theirs = StallWatch(tmp_path, 3), StallWatch(tmp_path, 3)  # two workers, one directory
    ours.failed(httpx.ReadTimeout("slow"))
    theirs.failed(httpx.ConnectError("refused"))
    assert ours.message() is None
    theirs.failed(httpx.ReadTimeout("slow"))
    message = ours.message()
    assert message is not None and "3 requests in a row" in message
    with pytest.raises(TargetStalled):
        theirs.before()
    ours.answered()  # a late answer does not undo the declaration
    assert theirs.message() == message


def test_an_answer_resets_the_count(tmp_path) -> None:
    watch = StallWatch(tmp_path, 2)
    for _ in range(5):
        watch.failed(httpx.ReadTimeout("slow"))
        watch.answered()
    watch.before()
    assert watch.message() is None


def test_a_stalled_request_is_a_transport_error_and_target_unavailable() -> None:
    assert issubclass(TargetStalled, httpx.TransportError)
    assert oc.classify_failure("setup", TargetStalled) == oc.TARGET_UNAVAILABLE
    assert oc.classify_failure("teardown", TargetStalled) == oc.TARGET_UNAVAILABLE


def test_the_client_reports_to_its_watch_and_stops_sending(tmp_path) -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(503)

    watch = StallWatch(tmp_path, 2)
    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = DataPlaneClient("http://127.0.0.1:9", None, http=http, watch=watch)
    for _ in range(2):
        with pytest.raises(httpx.ConnectError):
            client.request("GET", "/down")
        assert client.request("GET", "/up").status == 503  # any answer resets the count
    for _ in range(2):
        with pytest.raises(httpx.ConnectError):
            client.request("GET", "/down")
    with pytest.raises(TargetStalled):
        client.request("GET", "/up")
    assert sent == ["/down", "/up", "/down", "/up", "/down", "/down"]
    assert client.transcript[-1].error is not None
