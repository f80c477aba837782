"""Reports derived from a results.json document, and nothing else: summary.md, junit.xml and,
when `conformance.report.html` is present, report.html.

`render_all(results, out_dir)` writes them side by side; `pinecone-conformance report` calls it on
a stored results.json, so a report can always be re-rendered from the record of a run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from conformance.report.junit import render_junit
from conformance.report.summary import render_summary

__all__ = ["render_all", "render_junit", "render_summary", "renderers"]


def _html() -> Callable[[dict], str] | None:
    """The HTML renderer if its module is installed (it is built separately)."""
    try:
        module = importlib.import_module("conformance.report.html")
    except ImportError:
        return None
    return getattr(module, "render_html", None)


def renderers() -> dict[str, Callable[[Any], str]]:
    """File name -> renderer, for every report this installation can write."""
    out: dict[str, Callable[[Any], str]] = {
        "summary.md": render_summary,
        "junit.xml": render_junit,
    }
    html = _html()
    if html is not None:
        out["report.html"] = html
    return out


def render_all(
    results: Mapping[str, Any], out_dir: str | Path, *, results_path: Path | None = None
) -> list[Path]:
    """Write every report of `results` into `out_dir`; return the paths written (results.json
    first when `results_path` is given)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = [results_path] if results_path is not None else []
    doc = {k: v for k, v in results.items() if not k.startswith("_")}
    for name, render in renderers().items():
        path = folder / name
        path.write_text(render(doc), encoding="utf-8")
        written.append(path)
    return written
