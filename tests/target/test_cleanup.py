"""Space.cleanup tells the truth: transient failures retried (bounded), a non-JSON or non-2xx
answer is a failed deletion, one failure does not stop the others, every leftover is named with
the command that removes it (the API key never shown)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance.target.client import WireResponse
from conformance.target.indexes import IndexInfo
from conformance.target.leftovers import ATTEMPTS, Deleter, curl
from conformance.target.space import Space

HOST = "http://127.0.0.1:5081"
KEY = "pcsk-secret-key-123"


def ok(body: bytes = b"{}", status: int = 200) -> WireResponse:
    return WireResponse(status, httpx.Headers({"content-type": "application/json"}), body)


class FakeClient:
    """Answers deleteAll per namespace from a script of answers (a callable raises)."""

    def __init__(self, answers: dict[str, list[Any]]) -> None:
        self.answers = answers
        self.base_url = HOST
        self.api_version = "2025-10"
        self.transcript: list[Any] = []
        self.calls: list[tuple[str, str]] = []

    def _answer(self, key: str) -> WireResponse:
        self.calls.append(("delete", key))
        script = self.answers.get(key) or [ok()]
        answer = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def delete(self, **body: Any) -> WireResponse:
        return self._answer(body.get("namespace") or "ids")

    def create_namespace(self, name: str, **extra: Any) -> WireResponse:
        return ok(b'{"name":"' + name.encode() + b'"}', 201)

    def delete_namespace(self, name: str) -> WireResponse:
        return self._answer(f"DELETE {name}")


def space_with(client: FakeClient, *names: str) -> Space:
    index = IndexInfo("conf-cosine", HOST, 8, "cosine", "dense")
    counter = iter(names[1:])
    space = Space(
        index,
        client,  # type: ignore[arg-type]
        names[0],
        api_version="2025-10",
        new_namespace=lambda: next(counter),
    )
    for _ in names[1:]:
        space.new_namespace()
    return space


def no_sleep() -> tuple[Deleter, list[float]]:
    slept: list[float] = []
    return Deleter(sleep=slept.append), slept


def run_cleanup(space: Space, deleter: Deleter) -> str | None:
    try:
        space.cleanup(deleter)
    except AssertionError as exc:
        return str(exc)
    return None


def test_transient_failures_are_retried_then_succeed() -> None:
    drop = httpx.RemoteProtocolError("peer closed connection")
    client = FakeClient({"ns-a": [drop, ok(b'{"error":"busy"}', 503), ok()]})
    space = space_with(client, "ns-a")
    deleter, slept = no_sleep()
    assert run_cleanup(space, deleter) is None
    assert space.leftovers == [] and len(client.calls) == 3 and len(slept) == 2


def test_retries_are_bounded_in_count_and_time() -> None:
    client = FakeClient({"ns-a": [ok(b"{}", 429)]})
    deleter, slept = no_sleep()
    assert run_cleanup(space_with(client, "ns-a"), deleter) is not None
    assert len(slept) == ATTEMPTS - 1
    assert len(client.calls) == ATTEMPTS
    now = [0.0]
    late = Deleter(deadline=0.1, sleep=lambda s: None, clock=lambda: now[0])
    client = FakeClient({"ns-b": [ok(b"{}", 500)]})
    assert run_cleanup(space_with(client, "ns-b"), late) is not None
    assert len(client.calls) == 1  # the next backoff would pass the deadline


def test_an_html_page_with_status_200_is_a_failed_cleanup() -> None:
    page = WireResponse(200, httpx.Headers({"content-type": "text/html"}), b"<html>ok</html>")
    client = FakeClient({"ns-a": [page]})
    space = space_with(client, "ns-a")
    message = run_cleanup(space, no_sleep()[0])
    assert message is not None and "ns-a" in message and "non-JSON" in message
    assert len(client.calls) == 1  # not transient: not retried
    [left] = space.leftovers
    assert left["kind"] == "namespace" and left["name"] == "ns-a" and left["host"] == HOST


@pytest.mark.parametrize(
    "answer",
    [ok(b'{"error":"no"}', 400), ok(b"", 200), ok(b"[]", 200), ok(b"{}", 302)],
    ids=["400", "empty-200", "json-list", "302"],
)
def test_other_answers_that_are_not_a_deletion_fail(answer: WireResponse) -> None:
    space = space_with(FakeClient({"ns-a": [answer]}), "ns-a")
    assert run_cleanup(space, no_sleep()[0]) is not None and len(space.leftovers) == 1


def test_already_gone_is_fine() -> None:
    space = space_with(FakeClient({"ns-a": [ok(b'{"code":5,"message":"not found"}', 404)]}), "ns-a")
    assert run_cleanup(space, no_sleep()[0]) is None


def test_one_failing_namespace_does_not_stop_the_others() -> None:
    broken: Callable[[], Any] = lambda: httpx.ConnectError("refused")  # noqa: E731
    client = FakeClient({"ns-b": [broken()], "ns-d": [ok(b"<html>", 200)]})
    space = space_with(client, "ns-a", "ns-b", "ns-c", "ns-d")
    message = run_cleanup(space, no_sleep()[0])
    deleted = [key for _, key in client.calls]
    assert {"ns-a", "ns-c"} <= set(deleted) and deleted[-1] == "ns-d"
    assert [x["name"] for x in space.leftovers] == ["ns-b", "ns-d"]
    assert message is not None and "'ns-b'" in message and "'ns-d'" in message
    assert "ConnectError" in space.leftovers[0]["problem"]
    assert run_cleanup(space, no_sleep()[0]) is None  # a second call does nothing


def test_leftovers_carry_a_command_naming_the_key_variable_never_the_key() -> None:
    from conformance.redact import register_secret

    register_secret(KEY)
    client = FakeClient({"ns a'b": [ok(b"nope", 502)], "DELETE ns a'b": [ok(b"nope", 502)]})
    space = space_with(client, "ns a'b")
    space.create_namespace("ns a'b")
    run_cleanup(space, no_sleep()[0])
    commands = [x["command"] for x in space.leftovers]
    assert commands[0].startswith("curl -sS -X POST http://127.0.0.1:5081/vectors/delete ")
    assert '"Api-Key: $PINECONE_API_KEY"' in commands[0]
    assert "X-Pinecone-Api-Version: 2025-10" in commands[0]
    assert '"namespace":"ns a' in commands[0] and "deleteAll" in commands[0]
    assert all(KEY not in c for c in commands)
    assert commands[1].startswith("curl -sS -X DELETE http://127.0.0.1:5081/namespaces/ns%20a")


def test_the_command_is_a_valid_shell_line() -> None:
    import shlex

    line = curl(
        "POST", f"{HOST}/vectors/delete", "2025-10", {"deleteAll": True, "namespace": "x'y"}
    )
    words = shlex.split(line)
    assert words[:4] == ["curl", "-sS", "-X", "POST"]
    assert words[-1] == '{"deleteAll":true,"namespace":"x\'y"}'
    assert "Api-Key: $PINECONE_API_KEY" in words
