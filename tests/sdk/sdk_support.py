"""Constants and helpers shared by the SDK tests (a plain module, so tests can import it)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pinecone
from pinecone import Pinecone, RetryConfig

from conformance.target.launcher import RunningServer

KEY = "sdk-test-key"
SDK_MAJOR = int(pinecone.__version__.split(".")[0])
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
DENSE = "dense"
SPARSE = "sparse"
DIMENSION = 8


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    status: int


class WireLog:
    """Every request the SDK put on the wire, with the status it got (thread-safe)."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def since(self, start: int) -> list[Exchange]:
        with self._lock:
            return self.exchanges[start:]

    def __len__(self) -> int:
        with self._lock:
            return len(self.exchanges)


def make_client(server: RunningServer, api_key: str = KEY) -> Pinecone:
    """A control-plane client with zero retries: a retryable status would surface, not hide."""
    return Pinecone(
        api_key=api_key, host=server.control_url, retry_config=RetryConfig(max_retries=0)
    )
