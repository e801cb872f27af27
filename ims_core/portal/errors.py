"""What can go wrong talking to the portal, as errors a user can act on, and GSTN's error codes sorted
into them.

Every error here is a :class:`~ims_core.errors.UserFacingError`: the command line prints its message
as one line and exits non-zero; the bot can say the same in Slack. ``code`` keeps GSTN's own code
(``AUTH4033``…) or the HTTP status, so callers can tell cases apart without parsing text.
"""

from __future__ import annotations

from ims_core.errors import UserFacingError


class PortalError(UserFacingError):
    """The portal (or the GSP in front of it) refused or failed a request."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class NotConfigured(PortalError):
    """A setting the connector needs is missing or unreadable."""


class LoginNeeded(PortalError):
    """No usable session: someone must run ``ims portal login`` (with a new OTP). ``gstin`` and
    ``username`` name the session, when known, so that the bot can say who must log in again."""

    def __init__(self, message: str, code: str = "", *, gstin: str = "", username: str = "") -> None:
        super().__init__(message, code)
        self.gstin, self.username = gstin, username


class WrongOtp(PortalError):
    """The portal did not accept the OTP."""


class PortalUnavailable(PortalError):
    """The GSP or GSTN did not answer (HTTP 5xx, timeouts, dropped connections), even after retries."""


class GspLimit(PortalError):
    """The GSP's rate or credit limit (HTTP 429 and the like): retrying at once would not help."""


class IntegrityFailure(PortalError):
    """An answer failed its check (HMAC, file hash) or could not be decrypted: nothing of it is used."""


class PushInFlight(PortalError):
    """An upload for the GSTIN is still being processed by the portal."""


class NotGenerated(PortalError):
    """The GSTR-2B asked for is not generated yet (or it is too early in the month for it)."""


# GSTN's codes, sorted by what the connector does about them. Sources: the error tables of public
# GSTN clients (resilient-tech/india-compliance api_classes/taxpayer_base.py and taxpayer_returns.py,
# which ignore and re-route exactly these), and the GSP documentation (TaxPro GSP help, Vayana and
# Sandbox.co.in developer references) summarised in PORTAL_API.md.
OTP_REQUESTED = {"RETOTPREQUEST", "EVCREQUEST"}
SESSION_INVALID = {"AUTH4033", "AUTH4038", "AUTH158", "RET11402", "RET2B1010", "RT-R1R3BAV-1007"}
WRONG_OTP = {"AUTH4034", "RET13506"}
ACCESS_ENDED = {"AUTH4037"}  # the API access period the taxpayer enabled on the portal is over
NO_DATA = {"RET11416", "RET11417", "RET13508", "RET13509", "RET13510", "RET2B1016", "RET12501"}
NOT_READY = {"RTN_24"}  # a large file is still being prepared: ask again after ``est`` minutes
GSTR2B_NOT_GENERATED = {"RET2B1023", "GTR2B-002", "GTR2B-001", "RET2B1018"}
SAVE_IN_FLIGHT = {"IMSSAV0015"}  # only one IMS save or reset in flight per GSTIN
TOO_MANY_SESSIONS = {"AUTH403"}


def from_code(code: str, message: str, *, gstin: str = "") -> PortalError:
    """The error a GSTN error code stands for, with a message that says what to do next."""
    who = f" for {gstin}" if gstin else ""
    said = f"{code}: {message}" if message else code
    if code in SESSION_INVALID or code in OTP_REQUESTED:
        return LoginNeeded(f"the portal session{who} has expired or is no longer valid ({said}); "
                           f"log in again with `ims portal login`", code)
    if code in ACCESS_ENDED:
        return LoginNeeded(f"the API access period{who} has ended ({said}): enable API access on the GST "
                           "portal (Profile → Manage API Access) and log in again with a new OTP", code)
    if code in WRONG_OTP:
        return WrongOtp(f"the OTP is wrong or has expired ({said}); run `ims portal login` again with the "
                        "OTP the portal sent", code)
    if code in TOO_MANY_SESSIONS:
        return GspLimit(f"the portal refused another session{who} ({said}); log out elsewhere or wait", code)
    if code in GSTR2B_NOT_GENERATED:
        return NotGenerated(f"GSTR-2B{who} is not generated yet ({said})", code)
    if code in SAVE_IN_FLIGHT:
        return PushInFlight(f"the portal is still processing an earlier upload{who} ({said}); "
                            "run `ims portal push` again once it is done", code)
    return PortalError(f"the portal refused the request ({said})", code)
