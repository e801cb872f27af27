"""GSTIN and PAN validation, and the state codes they carry.

A GSTIN is 15 characters: a 2-digit state code, the holder's 10-character PAN, an entity number, a
letter (usually ``Z``) and a mod-36 check character. Portal data sometimes carries GSTINs whose check
character is wrong (GSTN's own samples do): callers decide whether that is a warning or an error.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}

# Normal taxpayers, plus the other registrations the portal issues (TDS/TCS, NRTP, OIDAR, UN bodies)
# share the shape "2 digits, 13 alphanumerics"; the strict pattern is for normal taxpayers.
NORMAL_PATTERN = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][Z1-9ABD-J][0-9A-Z]$")
LOOSE_PATTERN = re.compile(r"^[0-9]{2}[0-9A-Z]{13}$")
PAN_PATTERN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")

STATES: dict[str, str] = {
    "01": "Jammu and Kashmir", "02": "Himachal Pradesh", "03": "Punjab", "04": "Chandigarh",
    "05": "Uttarakhand", "06": "Haryana", "07": "Delhi", "08": "Rajasthan", "09": "Uttar Pradesh",
    "10": "Bihar", "11": "Sikkim", "12": "Arunachal Pradesh", "13": "Nagaland", "14": "Manipur",
    "15": "Mizoram", "16": "Tripura", "17": "Meghalaya", "18": "Assam", "19": "West Bengal",
    "20": "Jharkhand", "21": "Odisha", "22": "Chhattisgarh", "23": "Madhya Pradesh", "24": "Gujarat",
    "25": "Daman and Diu", "26": "Dadra and Nagar Haveli and Daman and Diu", "27": "Maharashtra",
    "28": "Andhra Pradesh (Old)", "29": "Karnataka", "30": "Goa", "31": "Lakshadweep", "32": "Kerala",
    "33": "Tamil Nadu", "34": "Puducherry", "35": "Andaman and Nicobar Islands", "36": "Telangana",
    "37": "Andhra Pradesh", "38": "Ladakh", "97": "Other Territory", "99": "Centre Jurisdiction",
}

_STATE_BY_NAME = {name.upper().replace("&", "AND"): code for code, name in STATES.items()}
_STATE_BY_NAME.update({"ANDHRA PRADESH": "37", "DADRA AND NAGAR HAVELI": "26", "JAMMU & KASHMIR": "01",
                       "OTHER COUNTRIES": "96", "OTHER COUNTRY": "96", "ORISSA": "21"})


def check_character(first14: str) -> str:
    """The mod-36 check character GSTN computes over the first 14 characters."""
    total = 0
    for i, c in enumerate(first14):
        p = _VALUE[c] * (1 if i % 2 == 0 else 2)
        total += p // 36 + p % 36
    return ALPHABET[(36 - total % 36) % 36]


def normalise(gstin: str | None) -> str:
    """Upper-case and strip a GSTIN as typed; no validation."""
    return (gstin or "").strip().upper()


def has_valid_shape(gstin: str) -> bool:
    """Right length and alphabet for any GSTN registration (normal, TDS, TCS, NRTP, OIDAR…)."""
    return bool(LOOSE_PATTERN.match(gstin)) and (gstin[:2] in STATES or gstin[:2] == "96")


def problem(gstin: str) -> str | None:
    """Why ``gstin`` is not a valid GSTIN, in words a user understands; ``None`` when it is valid."""
    if len(gstin) != 15:
        return f"a GSTIN has 15 characters, this has {len(gstin)}"
    if not LOOSE_PATTERN.match(gstin):
        return "a GSTIN is 2 digits followed by 13 letters or digits"
    if gstin[:2] not in STATES:
        return f"'{gstin[:2]}' is not a state code"
    if not NORMAL_PATTERN.match(gstin):
        return "characters 3-12 must be a PAN (5 letters, 4 digits, 1 letter)"
    expected = check_character(gstin[:14])
    if expected != gstin[14]:
        return f"the check character should be '{expected}', not '{gstin[14]}'"
    return None


def pan_of(gstin: str) -> str:
    """The PAN inside a GSTIN (characters 3-12): it links one legal entity's GSTINs across states."""
    return gstin[2:12] if len(gstin) >= 12 else ""


def state_code(value: str | None) -> str:
    """A 2-digit state code from ``"24"``, ``"24-Gujarat"``, ``"Gujarat"`` or ``"24 - Gujarat"``.

    Returns ``""`` for an empty value and raises ``ValueError`` for one it cannot read.
    """
    text = (value or "").strip()
    if not text:
        return ""
    head = re.match(r"^(\d{1,2})\b", text)
    if head:
        code = head.group(1).zfill(2)
        if code in STATES or code == "96":
            return code
        raise ValueError(f"'{text}' is not a state code")
    name = re.sub(r"\s+", " ", text.upper().replace("&", "AND")).strip()
    if name in _STATE_BY_NAME:
        return _STATE_BY_NAME[name]
    raise ValueError(f"'{text}' is not a state code or state name")
