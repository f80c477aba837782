"""Fixtures of the report tests: one recorded run with every outcome, shared by the module."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
