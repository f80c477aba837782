"""`--examples-db redis://HOST:PORT`: sessions on different machines share what they find through
hypothesis's Redis example database. Tested against a real `redis-server` on loopback (a free
port, no persistence) that this module starts and stops."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from conformance.fuzz.command import main as fuzz_main
from conformance.fuzz.session import open_database
from tests.fuzz.conftest import replay_across_sessions

pytestmark = pytest.mark.timeout(240)
redis = pytest.importorskip("redis", reason="the `redis` Python package is not installed")
REDIS_SERVER = shutil.which("redis-server")
if REDIS_SERVER is None:
    pytest.skip(
        "redis-server is not installed (apt-get install -y redis-server)", allow_module_level=True
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    port = _free_port()
    argv = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port)]
    argv += ["--save", "", "--appendonly", "no"]  # no persistence
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_open_database_round_trip(redis_url):
    db = open_database(redis_url)
    db.save(b"key", b"value")
    assert list(db.fetch(b"key")) == [b"value"]
    db.delete(b"key", b"value")
    assert list(db.fetch(b"key")) == []


def test_a_failure_found_on_one_machine_is_replayed_on_another(redis_url, http):
    """Session 1 saves its failure to Redis; session 2 (another seed, one generated example)
    reports it from the shared database."""
    replay_across_sessions(
        http, redis_url, lambda: redis.Redis.from_url(redis_url).dbsize(), second_seed=4242
    )


def test_command_line_accepts_a_redis_database(redis_url, tmp_path, capsys):
    argv = ["--duration", "2s", "--seed", "3", "--examples-db", redis_url, "--quiet"]
    code = fuzz_main([*argv, "--report-dir", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
