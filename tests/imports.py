"""What importing a module drags in, seen from a fresh interpreter (the test process has
imported everything already)."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_by(modules: list[str], under: tuple[str, ...]) -> list[str]:
    """The modules named ``under`` (a package name or a prefix ending in ".") that importing
    ``modules`` loads."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"under = {under!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m in under or m.startswith(under))))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)
