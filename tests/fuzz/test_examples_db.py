"""`--examples-db`: which example database a spec opens, and the message when `redis://` is asked
for without the `redis` extra installed."""

from __future__ import annotations

import sys

import pytest
from hypothesis.database import DirectoryBasedExampleDatabase

from conformance.config import ConfigError
from conformance.fuzz.session import open_database


@pytest.mark.parametrize("spec", [None, "", "none", "OFF"])
def test_no_database(spec):
    assert open_database(spec) is None


def test_a_directory(tmp_path):
    assert isinstance(open_database(str(tmp_path / "examples")), DirectoryBasedExampleDatabase)


def test_redis_without_the_extra_names_it(monkeypatch):
    """Without the `redis` package, a redis:// spec is a configuration error naming the extra."""
    monkeypatch.setitem(sys.modules, "redis", None)  # `import redis` now raises ImportError
    monkeypatch.setitem(sys.modules, "hypothesis.extra.redis", None)
    with pytest.raises(ConfigError) as info:
        open_database("redis://127.0.0.1:6379/0")
    assert str(info.value) == (
        "redis:// example databases need the redis extra: pip install 'pinecone-conformance[redis]'"
    )
