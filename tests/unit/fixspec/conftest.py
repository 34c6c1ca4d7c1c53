"""Enum values of the dictionaries QuickFIX loads, for checking our maps against them."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fixspec import FIX42_XML, FIX44_XML


def _enums(path: Path) -> dict[str, frozenset[str]]:
    root = ET.parse(path).getroot()
    return {f.get("name", ""): frozenset(v.get("enum", "") for v in f.iterfind("value"))
            for f in root.iterfind("fields/field")}


@pytest.fixture(scope="session")
def fix44_enums() -> dict[str, frozenset[str]]:
    return _enums(FIX44_XML)


@pytest.fixture(scope="session")
def fix42_enums() -> dict[str, frozenset[str]]:
    return _enums(FIX42_XML)
