"""Fill translations into locale/ja after `make makemessages`.

    python scripts/po_fill.py translations.json   # {"msgid": "msgstr", ...}
    python scripts/po_fill.py --missing           # list untranslated and fuzzy msgids

Entries named in the file get their msgstr and lose the fuzzy flag (makemessages' guesses
are usually wrong). The catalogue is rewritten unwrapped by msgcat, so each msgid is one line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

DROP = object()  # a line to leave out (a fuzzy flag or makemessages' previous msgid)
PO = Path(__file__).resolve().parent.parent / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def _entries(lines: list[str]):  # type: ignore[no-untyped-def]
    """(index of the msgid line, msgid, index of the msgstr line, msgstr) for each entry."""
    for index, line in enumerate(lines):
        if line.startswith('msgid "') and index + 1 < len(lines) and lines[index + 1].startswith('msgstr "'):
            yield index, _unquote(line[7:-1]), index + 1, _unquote(lines[index + 1][8:-1])


def main() -> int:
    subprocess.run(["msgcat", "--no-wrap", "-o", str(PO), str(PO)], check=True)
    lines = PO.read_text(encoding="utf-8").split("\n")
    if sys.argv[1:] == ["--missing"]:
        for index, msgid, _s, msgstr in _entries(lines):
            fuzzy = index > 0 and "fuzzy" in lines[index - 1] or (index > 1 and "fuzzy" in lines[index - 2])
            if msgid and (not msgstr or fuzzy):
                print(json.dumps(msgid, ensure_ascii=False))
        return 0
    wanted: dict[str, str] = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    filled = set()
    for index, msgid, str_index, _msgstr in list(_entries(lines)):
        if msgid in wanted:
            lines[str_index] = f'msgstr "{_quote(wanted[msgid])}"'
            for back in (1, 2, 3):
                if index - back < 0 or not isinstance(lines[index - back], str):
                    continue
                if lines[index - back].startswith("#,") and "fuzzy" in lines[index - back]:
                    flags = [f.strip() for f in lines[index - back][2:].split(",") if f.strip() != "fuzzy"]
                    lines[index - back] = "#, " + ", ".join(flags) if flags else DROP
                elif lines[index - back].startswith("#| "):
                    lines[index - back] = DROP
            filled.add(msgid)
    PO.write_text("\n".join(line for line in lines if line is not DROP), encoding="utf-8")
    subprocess.run(["msgcat", "--no-wrap", "-o", str(PO), str(PO)], check=True)
    missing = set(wanted) - filled
    for msgid in sorted(missing):
        print(f"not in the catalogue: {msgid}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
