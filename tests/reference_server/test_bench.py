"""Smoke test of `conformance.bench`: a tiny run against a reference server it starts itself
prints every figure (no timing is asserted)."""

from __future__ import annotations

import re

import pytest

from conformance.bench import main

FIGURES = [
    r"^upsert \(batches of 100\): [\d,]+ vectors/s",
    r"^upsert server CPU: [\d.]+ ms per batch",
    r"^fetch 1 id: p50 [\d.]+ ms, p99 [\d.]+ ms",
    r"^query topK 10: p50 [\d.]+ ms, p99 [\d.]+ ms",
    r"^query topK 10 with filter \(~10% match\): p50 [\d.]+ ms, p99 [\d.]+ ms",
    r"^numpy matrix-vector product \(200 x 16 float32\): p50 [\d.]+ ms",
    r"^ratio query p50 / numpy p50: [\d.,]+x; with filter: [\d.,]+x",
    r"^server peak RSS \(VmHWM\): [\d.,]+ MiB; raw float32 data [\d.,]+ MiB; ratio [\d.,]+x",
]


def test_tiny_run_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--records", "200", "--dimension", "16", "--queries", "5", "--fetches", "5"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    for figure in FIGURES:
        assert re.search(figure, out, re.MULTILINE), f"missing {figure!r} in:\n{out}"


def test_unreachable_target_is_one_message(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--target", "http://127.0.0.1:9", "--records", "10", "--dimension", "4"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("bench: ")
    assert "Traceback" not in err


def test_bad_sizes_exit_2() -> None:
    with pytest.raises(SystemExit) as exc_info:
        main(["--records", "0"])
    assert exc_info.value.code == 2
