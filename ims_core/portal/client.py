"""The portal's IMS and GSTR-2B calls for one GSTIN and session, over any :class:`Transport`.

It knows the shapes of the answers, not how they travel: GETINV per section (an empty section is
empty, not an error), the large-file route (``token`` → FILEDET until ready → download, hash check,
decrypt, merge), GET2B in ``file_num`` parts, SAVE/RESETIMS and REQSTS polled until settled. Waits
between looks follow ``waits`` and go through ``sleep``, so tests pass a recorder instead of time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from ims_core.portal.errors import NO_DATA, NOT_READY, LoginNeeded, PortalError, PushInFlight
from ims_core.portal.transport import SessionKeys, Transport

SETTLED = ("P", "PE", "ER")  # REQSTS: processed, processed with errors, error (IP: in progress)


class PortalClient:
    """IMS and GSTR-2B for ``gstin`` on the session ``keys``.

    ``on_session_lost`` is told when the portal says the session is no longer valid (so the caller
    can forget it) and may return the error to raise instead (one that says who must log in).
    """

    def __init__(self, transport: Transport, gstin: str, keys: SessionKeys, *, ims_sections: dict[str, str],
                 waits: Sequence[float], sleep: Callable[[float], None] = time.sleep,
                 on_session_lost: Callable[[LoginNeeded], LoginNeeded] | None = None) -> None:
        self.transport, self.gstin, self.keys = transport, gstin, keys
        self.ims_sections, self.waits, self.sleep = ims_sections, tuple(waits), sleep
        self.on_session_lost = on_session_lost

    # --- IMS records ---------------------------------------------------------------------------

    def ims_records(self) -> tuple[dict[str, list], dict[str, int]]:
        """Every IMS section's records, merged by answer key, and how many each section gave."""
        merged: dict[str, list] = {key: [] for key in self.ims_sections.values()}
        counts: dict[str, int] = {}
        for section in self.ims_sections:
            found = self.ims_section(section)
            counts[section] = sum(len(v) for v in found.values())
            for key, records in found.items():
                merged.setdefault(key, []).extend(records)
        return merged, counts

    def ims_section(self, section: str) -> dict[str, list]:
        """One GETINV section: its records under their answer key (``{}`` when the portal has none)."""
        try:
            answer = self._get("GETINV", {"section": section})
        except PortalError as exc:
            if exc.code in NO_DATA:
                return {}
            raise
        if answer.get("token"):
            answer = self._large_file(str(answer["token"]), answer.get("est"))
        return {key: value for key, value in answer.items() if isinstance(value, list)}

    def _large_file(self, token: str, est: object) -> dict[str, list]:
        """The large-file route: FILEDET (asked again while the portal answers RTN_24), then every
        part downloaded, checked and decrypted, their lists merged."""
        waits = iter(self.waits)
        while True:
            try:
                details = self._get("FILEDET", {"token": token})
                break
            except PortalError as exc:
                wait = next(waits, None)
                if exc.code not in NOT_READY or wait is None:
                    if exc.code in NOT_READY:
                        raise PortalError(f"the portal is still preparing the large IMS file (estimated "
                                          f"{est or '?'} min); pull again later", exc.code) from None
                    raise
                self.sleep(wait)
        urls = details.get("urls") or []
        if not isinstance(urls, list) or not details.get("ek"):
            raise PortalError("the portal's file details (FILEDET) name no files or no key")
        merged: dict[str, list] = {}
        for part in urls:
            content = self._call(self.transport.download, str(part.get("ul", "")), str(part.get("hash", "")),
                                 str(details["ek"]))
            for key, value in content.items():
                if isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
        return merged

    # --- GSTR-2B -------------------------------------------------------------------------------

    def gstr2b(self, period: str) -> list[dict]:
        """GSTR-2B of ``period`` as the portal serves it: one answer, or every ``file_num`` part when
        the first answer only counts them (``data.fc``); ``[]`` when it holds no documents.
        :class:`~ims_core.portal.errors.NotGenerated` when it is not generated yet."""
        try:
            first = self._get("GET2B", {"rtnprd": period}, ret_period=period)
        except PortalError as exc:
            if exc.code in NO_DATA:
                return []
            raise
        data = first.get("data") if isinstance(first.get("data"), dict) else {}
        try:
            parts = int(str(data.get("fc") or 0))
        except ValueError:
            raise PortalError(f"GSTR-2B {period}: the file count fc '{data.get('fc')}' is not a number") \
                from None
        if parts < 1:
            return [first]
        return [self._get("GET2B", {"rtnprd": period, "file_num": str(n)}, ret_period=period)
                for n in range(1, parts + 1)]

    # --- uploads -------------------------------------------------------------------------------

    def save(self, request_type: str, invdata: dict[str, list]) -> str:
        """Send a SAVE or RESET request; the portal's reference id."""
        action = "SAVE" if request_type == "SAVE" else "RESETIMS"
        answer = self._call(self.transport.put, action, self.gstin, self.keys,
                            {"rtin": self.gstin, "reqtyp": request_type, "invdata": invdata})
        reference = answer.get("reference_id") or answer.get("ref_id")
        if not reference:
            raise PortalError(f"the portal took the {request_type} request but gave no reference id")
        return str(reference)

    def settle(self, reference: str) -> dict:
        """REQSTS after each wait until the portal settles the request (P, PE or ER): its answer.
        :class:`PushInFlight` when it is still in progress after the last wait."""
        for wait in self.waits or (0.0,):
            self.sleep(wait)
            status = self._get("REQSTS", {"int_tran_id": reference})
            code = str(status.get("status_cd", "")).upper()
            if code in SETTLED:
                return {**status, "status_cd": code}
            if code != "IP":
                raise PortalError(f"the portal answered the status of {reference} with '{code}', "
                                  "not P, PE, ER or IP")
        minutes = sum(self.waits) / 60
        raise PushInFlight(f"the portal is still processing upload {reference} after {minutes:.0f} min; "
                           "run `ims portal push` again later to collect its outcome", "IP")

    # --- plumbing ------------------------------------------------------------------------------

    def _get(self, action: str, params: dict[str, str], ret_period: str = "") -> dict:
        return self._call(self.transport.get, action, self.gstin, self.keys, params, ret_period)

    def _call(self, function: Callable[..., dict], *args: object) -> dict:
        try:
            return function(*args)
        except LoginNeeded as exc:
            if self.on_session_lost is None:
                raise
            raise self.on_session_lost(exc) from None
