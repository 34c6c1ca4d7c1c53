"""Write fixspec/tags.py from the FIX dictionaries QuickFIX loads: `python -m fixspec.generate`.

Build-time only: nothing imports this module at run time. `--check` exits 1 if tags.py is stale.

Local additions to the standard QuickFIX 1.16.0 dictionaries, each marked by an XML comment:
- FIX44.xml: none. It stays stock so that counterparties on stock FIX 4.4 dictionaries accept
  everything we send (a stop trigger is reported as ExecType D, not FIX 5.0's L).
- FIX42.xml: fields Username(553) and Password(554), declared and added to Logon, so FIX 4.2
  counterparties authenticate the way FIX 4.4 ones do.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from fixspec import FIX42_XML, FIX44_XML

TAGS_PY = FIX44_XML.parent / "tags.py"


def _read(xml_path: Path) -> tuple[str, dict[int, str], dict[str, str]]:
    """(BeginString, {tag: field name}, {message name: MsgType}) of one dictionary."""
    root = ET.parse(xml_path).getroot()
    version = f"{root.get('type')}.{root.get('major')}.{root.get('minor')}"
    fields = {int(f.get("number", "")): f.get("name", "") for f in root.iterfind("fields/field")}
    messages = {m.get("name", ""): m.get("msgtype", "") for m in root.iterfind("messages/message")}
    return version, fields, messages


def _msg_order(item: tuple[str, str]) -> tuple[int, str]:
    return len(item[1]), item[1]  # "0".."9", "A".."z", then two-character types, as FIX lists them


def render(xml_path: str | Path = FIX44_XML,
           older: Sequence[str | Path] = (FIX42_XML,)) -> str:
    """Source of tags.py: `xml_path` names win; `older` dictionaries add fields it lacks.

    A field an older version names differently (FIX 4.2 IDSource = 22, FIX 4.4
    SecurityIDSource) gets both names, the older one in a section of aliases.
    """
    version, fields, messages = _read(Path(xml_path))
    sources = [Path(xml_path).name]
    field_rows = {tag: (name, "") for tag, name in fields.items()}
    aliases: dict[str, tuple[int, str]] = {}
    msg_rows = {name: (mt, "") for name, mt in messages.items()}
    msg_aliases: dict[str, tuple[str, str]] = {}
    for path in older:
        old_version, old_fields, old_messages = _read(Path(path))
        sources.append(Path(path).name)
        for tag, name in old_fields.items():
            if tag not in fields:
                field_rows.setdefault(tag, (name, f"  # {old_version} only"))
            elif name != fields[tag]:
                aliases.setdefault(name, (tag, f"  # {old_version} name; {version}: {fields[tag]}"))
        by_type = {mt: name for name, mt in messages.items()}
        for name, mt in old_messages.items():
            if mt not in by_type:
                msg_rows.setdefault(name, (mt, f"  # {old_version} only"))
            elif name != by_type[mt]:
                note = f"  # {old_version} name; {version}: {by_type[mt]}"
                msg_aliases.setdefault(name, (mt, note))

    lines = [
        f'"""FIX tag numbers and MsgType values, generated from {" and ".join(sources)}.',
        "",
        "Do not edit: run `python -m fixspec.generate`. Names are the dictionary's.",
        '"""',
        "",
        "# -- Fields --",
    ]
    lines += [f"{name} = {tag}{note}" for tag, (name, note) in sorted(field_rows.items())]
    if aliases:
        lines += ["", "# -- Older names of renamed fields --"]
        lines += [f"{name} = {tag}{note}" for name, (tag, note) in
                  sorted(aliases.items(), key=lambda kv: (kv[1][0], kv[0]))]
    lines += ["", "# -- MsgType(35) values --"]
    rows = {**msg_rows, **msg_aliases}
    lines += [f'MSG_{name} = "{mt}"{note}' for name, (mt, note) in
              sorted(rows.items(), key=lambda kv: (*_msg_order((kv[0], kv[1][0])), kv[0]))]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fixspec.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if tags.py is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        stale = not TAGS_PY.exists() or TAGS_PY.read_text(encoding="utf-8") != text
        print(f"{TAGS_PY} is {'out of date' if stale else 'up to date'}")
        return 1 if stale else 0
    TAGS_PY.write_text(text, encoding="utf-8")
    print(f"wrote {TAGS_PY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
