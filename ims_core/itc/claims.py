"""What was actually claimed in GSTR-3B Table 4, and how it compares with the GSTR-2B preview.

Rule 88D (inserted by Notification 38/2023-Central Tax, 4 August 2023) lets the portal intimate a
taxpayer (FORM GST DRC-01C) when the ITC availed in GSTR-3B exceeds the ITC available in GSTR-2B by
more than a threshold; GSTN's advisory on DRC-01C (November 2023) gives it as ₹25 lakh *and* 20%. Both
numbers are settings (``IMS_RULE_88D_AMOUNT``, ``IMS_RULE_88D_PERCENT``) because the Council sets them.

The figures come from the portal's GSTR-3B JSON (``itc_elg``: ``itc_avl`` with types IMPG, IMPS, ISRC,
ISD, OTH for 4A(1)-(5); ``itc_rev`` RUL and OTH for 4B(1) and 4B(2); ``itc_inelg`` RUL and OTH for 4D(1)
and 4D(2), the type names kept from the older layout), or are typed on the command line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ims_core.errors import UserFacingError
from ims_core.gst.money import AmountError, format_inr, to_paise
from ims_core.itc.heads import HEADS, Heads
from ims_core.settings import get_settings

BOXES = ("4A(1)", "4A(2)", "4A(3)", "4A(4)", "4A(5)", "4B(1)", "4B(2)", "4D(1)", "4D(2)")
JSON_TYPES = {
    "itc_avl": {"IMPG": "4A(1)", "IMPS": "4A(2)", "ISRC": "4A(3)", "ISD": "4A(4)", "OTH": "4A(5)"},
    "itc_rev": {"RUL": "4B(1)", "OTH": "4B(2)"},
    "itc_inelg": {"RUL": "4D(1)", "OTH": "4D(2)"},
}
JSON_HEADS = {"iamt": "igst", "camt": "cgst", "samt": "sgst", "csamt": "cess"}


def from_gstr3b_json(path: Path) -> dict[str, Heads]:
    """Table 4 from the portal's GSTR-3B JSON (the filed return, or the offline tool's file)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserFacingError(f"{Path(path).name}: cannot be read ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserFacingError(f"{Path(path).name}: not a JSON file ({exc})") from None
    block = document.get("data", document) if isinstance(document, dict) else None
    itc = block.get("itc_elg") if isinstance(block, dict) else None
    if not isinstance(itc, dict):
        raise UserFacingError(f"{Path(path).name}: no itc_elg block; expected the portal's GSTR-3B JSON")
    figures: dict[str, Heads] = {}
    for section, types in JSON_TYPES.items():
        for n, entry in enumerate(itc.get(section) or []):
            box = types.get(str(entry.get("ty", "")).upper()) if isinstance(entry, dict) else None
            if box is None:
                got = entry.get("ty") if isinstance(entry, dict) else entry
                raise UserFacingError(f"{Path(path).name}: itc_elg.{section}[{n}]: type '{got}' is not one "
                                      f"of {', '.join(types)}")
            figures[box] = _heads(entry, f"{Path(path).name}: itc_elg.{section}[{n}]")
    return figures


def _heads(entry: dict, where: str) -> Heads:
    values = {}
    for key, head in JSON_HEADS.items():
        try:
            values[head] = to_paise(entry.get(key) or 0)
        except AmountError as exc:
            raise UserFacingError(f"{where}, field '{key}': {exc}") from None
    return Heads(**values)


def from_arguments(claims: list[str]) -> dict[str, Heads]:
    """``["4A(5)=12000.50,6000,6000,0", ...]``: a box, then IGST, CGST, SGST and cess in rupees."""
    figures: dict[str, Heads] = {}
    for claim in claims:
        box, sep, amounts = claim.partition("=")
        box = box.strip().upper()
        if not sep or box not in BOXES:
            raise UserFacingError(f"--claim '{claim}': expected BOX=IGST,CGST,SGST,CESS with BOX one of "
                                  f"{', '.join(BOXES)}, e.g. 4A(5)=12000.50,6000,6000,0")
        parts = [part.strip() for part in amounts.split(",")]
        if len(parts) != len(HEADS):
            raise UserFacingError(f"--claim '{claim}': give four amounts (IGST, CGST, SGST, cess)")
        try:
            figures[box] = Heads(*(to_paise(part or "0") for part in parts))
        except AmountError as exc:
            raise UserFacingError(f"--claim '{claim}': {exc}") from None
    return figures


def to_json(figures: dict[str, Heads]) -> str:
    """The stored form: paise per head, by box."""
    return json.dumps({box: {head: getattr(heads, head) for head in HEADS} for box, heads in figures.items()},
                      sort_keys=True)


@dataclass(frozen=True)
class Comparison:
    claimed: Heads
    preview: Heads
    excess: Heads
    flagged: bool
    reason: str


def compare(position) -> Comparison:  # an ItcPosition with ``claimed``
    """The ITC claimed in Table 4A against the GSTR-2B preview of 4A, and whether Rule 88D's threshold
    (more than the amount *and* the percentage) is crossed."""
    claimed = Heads()
    for box, heads in (position.claimed or {}).items():
        if box.startswith("4A"):
            claimed.add(heads)
    preview = position.total_4a()
    excess = claimed.minus(preview)
    settings = get_settings()
    amount = to_paise(settings.ims_rule_88d_amount)
    percent = Decimal(settings.ims_rule_88d_percent)
    over = excess.total
    if preview.total > 0:
        share = Decimal(over) * 100 / Decimal(preview.total)
    else:
        share = Decimal(100 if over > 0 else 0)
    flagged = over > amount and share > percent
    if flagged:
        reason = (f"GSTR-3B claims {format_inr(over)} more than GSTR-2B allows ({share:.1f}%), beyond "
                  f"{format_inr(amount)} and {percent}%: the portal may ask for an explanation in DRC-01C")
    elif over > 0:
        reason = (f"GSTR-3B claims {format_inr(over)} more than GSTR-2B allows ({share:.1f}%); within the "
                  f"Rule 88D threshold of {format_inr(amount)} and {percent}%")
    else:
        reason = "GSTR-3B claims no more than GSTR-2B allows."
    return Comparison(claimed, preview, excess, flagged, reason)
