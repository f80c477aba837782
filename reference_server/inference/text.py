"""Deterministic text models: tokens, a feature-hashing dense embedder, a hashed sparse embedder
and a lexical-overlap relevance score.

Hashes are `zlib.crc32` of UTF-8 tokens, so every process embeds a text the same way (Python's own
`hash` is salted per process).
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter

import numpy as np

_TOKEN = re.compile(r"\w+", re.UNICODE)
_EMPTY = "\x00empty"  # an empty text still embeds to a unit vector (a zero vector is unusable)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, in order."""
    return _TOKEN.findall(text.lower())


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8"))


def dense_embedding(words: list[str], dimension: int) -> np.ndarray:
    """A unit float32 vector: words and word bigrams hashed into `dimension` signed buckets.

    Identical token lists embed identically; texts sharing words share buckets, so they are closer
    (cosine) than texts sharing none.
    """
    features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    vector = np.zeros(dimension, dtype=np.float64)
    for feature in features or [_EMPTY]:
        h = _hash(feature)
        vector[h % dimension] += 1.0 if (h >> 31) & 1 == 0 else -1.0
    norm = float(np.linalg.norm(vector))
    if norm == 0.0:  # every feature cancelled out: fall back to the first one's bucket
        vector[_hash((features or [_EMPTY])[0]) % dimension] = 1.0
        norm = 1.0
    return (vector / norm).astype(np.float32)


def sparse_embedding(words: list[str]) -> tuple[list[int], list[float], list[str]]:
    """(indices, values, tokens): one entry per distinct word, index = crc32 of the word, value
    1 + ln(term frequency), sorted by index."""
    counts = Counter(words)
    entries = sorted((_hash(word), 1.0 + math.log(n), word) for word, n in counts.items())
    return [e[0] for e in entries], [e[1] for e in entries], [e[2] for e in entries]


def relevance(query: list[str], document: list[str]) -> float:
    """Jaccard overlap of the word sets, in [0, 1]: 1 exactly when both hold the same words."""
    q, d = set(query), set(document)
    if not q or not d:
        return 0.0
    return len(q & d) / len(q | d)
