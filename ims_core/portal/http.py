"""HTTP for the connector, on the standard library, with the retry policy the portal needs.

- A failure of the GSP or GSTN (HTTP 5xx, a timeout, a dropped or refused connection) is retried
  after each wait of ``retry_waits`` plus up to a quarter of it at random (so that many clients do not
  come back in step), then reported as :class:`PortalUnavailable`.
- Only requests that change nothing are retried blindly: a GET. A POST or PUT (an OTP request, a
  save) is retried only when it surely never reached the portal (connection refused, HTTP 502/503);
  after a timeout it may have been processed, and sending it again could save twice.
- HTTP 429 (the GSP's rate or credit limit) is never retried: :class:`GspLimit` at once.

The waits are slept through ``sleep``, which tests replace.
"""

from __future__ import annotations

import http.client
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ims_core.portal.errors import GspLimit, PortalUnavailable

NOT_PROCESSED = {502, 503}  # the gateway or the service never handled the request


@dataclass(frozen=True)
class Reply:
    """An HTTP answer below 500 (and not 429): status, body and headers."""

    status: int
    body: bytes
    headers: Mapping[str, str]


class Http:
    """Sends requests, retrying what may be retried."""

    def __init__(self, *, timeout: float, retry_waits: Sequence[float],
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> None:
        self.timeout = timeout
        self.retry_waits = tuple(retry_waits)
        self.sleep = sleep
        self.rng = rng or random.Random()

    def send(self, method: str, url: str, headers: Callable[[], Mapping[str, str]],
             body: bytes | None = None) -> Reply:
        """One request, retried as the module says; a :class:`Reply` or an error. ``headers`` is
        called for each attempt: a retry is a new request, with a fresh ``txn``."""
        idempotent = method == "GET"
        attempt = 0
        while True:
            failure, unsent = self._attempt(method, url, headers(), body)
            if isinstance(failure, Reply):
                return failure
            if attempt == len(self.retry_waits) or not (idempotent or unsent):
                tries = f" after {attempt + 1} attempts" if attempt else ""
                hint = "" if idempotent or unsent else "; it may or may not have been processed: " \
                    "pull the IMS records before pushing again"
                raise PortalUnavailable(f"{urlsplit(url).netloc} did not answer {method} ({failure}){tries}; "
                                        f"the GSP or the GST portal may be down, try again later{hint}",
                                        code=failure)
            wait = self.retry_waits[attempt]
            self.sleep(wait + self.rng.uniform(0, wait / 4))
            attempt += 1

    def _attempt(self, method: str, url: str, headers: Mapping[str, str],
                 body: bytes | None) -> tuple[Reply | str, bool]:
        """A reply, or (what failed, whether the request surely never reached the server)."""
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return Reply(answer.status, answer.read(), dict(answer.headers.items())), False
        except urllib.error.HTTPError as exc:
            status, data, answer_headers = exc.code, exc.read(), dict(exc.headers.items())
        except urllib.error.URLError as exc:
            refused = isinstance(exc.reason, ConnectionRefusedError)
            return ("connection refused" if refused else f"{_describe(exc.reason)}"), refused
        except TimeoutError:
            return "timed out", False
        except (ConnectionError, http.client.HTTPException) as exc:
            return _describe(exc), False
        if status == 429:
            wait = answer_headers.get("Retry-After", "")
            raise GspLimit(f"the GSP refused the request: rate or credit limit reached (HTTP 429"
                           f"{', retry after ' + wait + ' s' if wait else ''}); not retried, try later "
                           "or ask the GSP about the plan's limits", code="429")
        if status >= 500:
            return f"HTTP {status}", status in NOT_PROCESSED
        return Reply(status, data, answer_headers), False


def _describe(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    name = type(reason).__name__
    text = str(reason)
    return f"{name}: {text}" if text and not isinstance(reason, str) else (text or name)
