"""Smoke test of `conformance.bench`: a tiny run against a reference server it starts itself
prints every figure (no timing is asserted)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from conformance.bench import checkpoints, main

FIGURES = [
    r"^numpy kernel: numpy [\d.]+, ",
    r"^upsert \(batches of 100\): [\d,]+ vectors/s",
    r"^upsert server CPU: [\d.]+ ms per batch",
    r"^fetch 1 id: p50 [\d.]+ ms, p99 [\d.]+ ms",
    r"^query topK 10: p50 [\d.]+ ms, p99 [\d.]+ ms",
    r"^query topK 10 with filter \(~10% match\): p50 [\d.]+ ms, p99 [\d.]+ ms",
    r"^numpy matrix-vector product \(200 x 16 float32\): p50 [\d.]+ ms",
    r"^ratio query p50 / numpy p50: [\d.,]+x; with filter: [\d.,]+x",
    r"^server CPU per operation: upsert [\d.]+ ms per batch of 100, query [\d.]+ ms, "
    r"filtered query [\d.]+ ms, fetch [\d.]+ ms",
    r"^server peak RSS \(VmHWM\): [\d.,]+ MiB; raw float32 data [\d.,]+ MiB; ratio [\d.,]+x",
    r"^\| 200 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$",
]


def test_tiny_run_prints_every_figure(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["--records", "200", "--dimension", "16", "--queries", "5", "--fetches", "5"]
    assert main([*argv, "--save-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for figure in FIGURES:
        assert re.search(figure, out, re.MULTILINE), f"missing {figure!r} in:\n{out}"
    (report,) = tmp_path.glob("bench-*[0-9].md")
    (table,) = tmp_path.glob("bench-*-scaling.csv")
    assert "| 200 |" in report.read_text(encoding="utf-8")
    rows = list(csv.reader(table.read_text(encoding="utf-8").splitlines()))
    assert rows[0][0] == "records" and [row[0] for row in rows[1:]] == ["200"]


def test_scaling_points_are_10k_25k_50k_times_powers_of_ten_then_the_record_count() -> None:
    assert checkpoints(200) == [200]
    assert checkpoints(50_000) == [10_000, 25_000, 50_000]
    assert checkpoints(60_000) == [10_000, 25_000, 50_000, 60_000]
    assert checkpoints(1_000_000)[-4:] == [100_000, 250_000, 500_000, 1_000_000]


@pytest.mark.skipif(not Path("/proc/meminfo").exists(), reason="needs Linux /proc/meminfo")
def test_more_records_than_memory_is_refused_before_loading(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--records", "100000000000", "--dimension", "768"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bench: ") and "GiB is available" in err


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
