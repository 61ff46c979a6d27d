"""Size of the messenger loader as a customer's browser downloads it: raw and gzip -9,
against the 20 KB gzipped budget. The launcher's stylesheet is counted too, since the
loader fetches it on boot.

    python bench/loader_size.py
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 20 * 1024
FILES = ["static/messenger/loader.js", "static/messenger/launcher.css"]


def main() -> int:
    total_gz = 0
    for name in FILES:
        data = (ROOT / name).read_bytes()
        packed = len(gzip.compress(data, 9))
        total_gz += packed
        print(f"{name:34} {len(data):7d} bytes raw  {packed:6d} bytes gzipped")
    verdict = "OK" if total_gz <= BUDGET else "OVER BUDGET"
    print(f"{'total':34} {'':17} {total_gz:6d} bytes gzipped  (budget {BUDGET}) {verdict}")
    return 0 if total_gz <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
