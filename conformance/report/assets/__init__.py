"""The page's stylesheet and script, kept as Python strings so they ship with the code.

Both are inlined into report.html (the page loads nothing); `render_html` allows exactly these
two in its Content-Security-Policy by hash.
"""

from conformance.report.assets.script import JS
from conformance.report.assets.style import CSS

__all__ = ["CSS", "JS"]
