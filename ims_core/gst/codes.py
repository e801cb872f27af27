"""What the portal's codes mean, in words for the people who read our reports."""

from __future__ import annotations

# GSTR-2B ``rsn``: why ``itcavl`` is N for a record (GSTR-2B FAQ; DOMAIN.md section 4)
UNAVAILABLE_REASONS = {
    "P": "place-of-supply rule: the supply is not eligible for ITC here",
    "C": "reported after the Section 16(4) cut-off",
}
