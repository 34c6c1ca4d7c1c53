"""FIX vocabulary in one place: nothing outside this package spells a tag number.

tags.py (generated), values.py (wire value <-> domain enum), reasons.py (reason -> FIX code),
errors.py (decode errors) and the FIX44.xml/FIX42.xml dictionaries QuickFIX loads.
"""

from pathlib import Path

FIX44_XML = Path(__file__).resolve().parent / "FIX44.xml"
FIX42_XML = Path(__file__).resolve().parent / "FIX42.xml"
DICTIONARY: dict[str, Path] = {"FIX.4.4": FIX44_XML, "FIX.4.2": FIX42_XML}
