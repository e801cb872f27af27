"""The one table of what differs between GSPs: each action's method, path and API version, the
headers of every request, and the IMS sections to download.

GSTN fixes the action names, payloads and encryption; a GSP chooses its base URL, path prefix,
credential headers and sometimes the API versions it forwards. The defaults below are GSTN's own
paths as public clients use them (createroftheearth/GST-API ``Constants.cs``, resilient-tech/
india-compliance ``taxpayer_returns.py``); versions marked uncertain there are the first thing to
check with a GSP. ``IMS_GSP_PROFILE`` names a JSON file that overrides any of it, e.g.::

    {"routes": {"GETINV": {"version": "v1.2"},
                "GET2B": {"path": "/gsp/taxpayerapi/{version}/returns/gstr2b"}},
     "headers": {"clientid": null, "x-api-key": "{client_secret}"}}

(``null`` drops a header). Header values are templates over :data:`HEADER_FIELDS`; a header whose
value comes out empty (``auth-token`` before login, ``ret_period`` without a period) is not sent.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field, replace
from pathlib import Path

from ims_core.portal.errors import NotConfigured

AUTH = "/taxpayerapi/{version}/authenticate"
IMS = "/taxpayerapi/{version}/returns/ims"
GSTR2B = "/taxpayerapi/{version}/returns/gstr2b"


@dataclass(frozen=True)
class Route:
    """Where one action goes: HTTP method, path template (``{version}`` filled in) and API version."""

    method: str
    path: str
    version: str

    @property
    def resolved_path(self) -> str:
        return self.path.replace("{version}", self.version)


ROUTES: dict[str, Route] = {
    "OTPREQUEST": Route("POST", AUTH, "v1.0"),
    "AUTHTOKEN": Route("POST", AUTH, "v1.0"),
    "REFRESHTOKEN": Route("POST", AUTH, "v1.0"),
    "LOGOUT": Route("POST", AUTH, "v1.0"),
    "GETINV": Route("GET", IMS, "v1.0"),  # v1.0 in GST-API's Constants.cs; some GSPs forward v1.2
    "FILEDET": Route("GET", IMS, "v1.0"),
    "SAVE": Route("PUT", IMS, "v1.0"),
    "RESETIMS": Route("PUT", IMS, "v1.0"),
    "REQSTS": Route("GET", IMS, "v1.0"),
    "GET2B": Route("GET", GSTR2B, "v2.0"),  # v2.0 in GST-API's Constants.cs (uncertain elsewhere)
}

HEADER_FIELDS = ("client_id", "client_secret", "state_cd", "ip_usr", "txn", "gstin", "username",
                 "auth_token", "ret_period")
HEADERS: dict[str, str] = {
    "clientid": "{client_id}",  # issued by the GSP
    "client-secret": "{client_secret}",
    "state-cd": "{state_cd}",  # the GSTIN's first two digits
    "ip-usr": "{ip_usr}",
    "txn": "{txn}",  # unique per request
    "gstin": "{gstin}",
    "username": "{username}",
    "auth-token": "{auth_token}",
    "ret_period": "{ret_period}",
}

# GETINV's ``section`` parameter -> the key of its records in the answer (PORTAL_API.md; DOMAIN.md §2).
# The bill-of-entry sections exist from the October 2025 period; their parameter names are uncertain.
IMS_SECTIONS: dict[str, str] = {
    "B2B": "b2b", "B2BA": "b2ba", "CN": "b2bcn", "CNA": "b2bcna", "DN": "b2bdn", "DNA": "b2bdna",
    "ECOM": "ecom", "ECOMA": "ecoma", "IMPG": "impg", "IMPGA": "impga", "IMPGSEZ": "impgsez",
    "IMPGSEZA": "impgseza",
}


@dataclass(frozen=True)
class Profile:
    """A GSP's variant of the protocol: routes, header templates and IMS sections."""

    routes: dict[str, Route] = field(default_factory=lambda: dict(ROUTES))
    headers: dict[str, str] = field(default_factory=lambda: dict(HEADERS))
    ims_sections: dict[str, str] = field(default_factory=lambda: dict(IMS_SECTIONS))

    def route(self, action: str) -> Route:
        return self.routes[action]

    def headers_for(self, **values: str) -> dict[str, str]:
        """The headers of one request, templates filled from ``values`` (missing fields are empty)."""
        filled = {name: values.get(name, "") for name in HEADER_FIELDS}
        out = {}
        for header, template in self.headers.items():
            value = string.Formatter().vformat(template, (), filled)
            if value:
                out[header] = value
        return out


def load_profile(path: str = "") -> Profile:
    """The default profile, with the overrides of the JSON file at ``path`` (``IMS_GSP_PROFILE``)."""
    profile = Profile()
    if not path:
        return profile
    try:
        overrides = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise NotConfigured(f"IMS_GSP_PROFILE: cannot read {path} ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise NotConfigured(f"IMS_GSP_PROFILE: {path} is not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(overrides, dict) or set(overrides) - {"routes", "headers", "ims_sections"}:
        raise NotConfigured(f"IMS_GSP_PROFILE: {path} may hold only 'routes', 'headers' and 'ims_sections'")
    return Profile(routes=_routes(path, overrides.get("routes", {}), profile.routes),
                   headers=_headers(path, overrides.get("headers", {}), profile.headers),
                   ims_sections=_strings(path, "ims_sections", overrides.get("ims_sections"))
                   or profile.ims_sections)


def _routes(path: str, given: object, routes: dict[str, Route]) -> dict[str, Route]:
    if not isinstance(given, dict):
        raise NotConfigured(f"IMS_GSP_PROFILE: {path}: 'routes' must be an object keyed by action")
    merged = dict(routes)
    for action, change in given.items():
        if action not in routes:
            raise NotConfigured(f"IMS_GSP_PROFILE: {path}: unknown action '{action}' "
                                f"(known: {', '.join(routes)})")
        if not isinstance(change, dict) or set(change) - {"method", "path", "version"} \
                or not all(isinstance(v, str) and v for v in change.values()):
            raise NotConfigured(f"IMS_GSP_PROFILE: {path}: routes.{action} takes non-empty 'method', "
                                "'path' and 'version' strings")
        merged[action] = replace(routes[action], **{k: v.upper() if k == "method" else v
                                                    for k, v in change.items()})
    return merged


def _headers(path: str, given: object, headers: dict[str, str]) -> dict[str, str]:
    if not isinstance(given, dict):
        raise NotConfigured(f"IMS_GSP_PROFILE: {path}: 'headers' must be an object of name: template")
    merged = dict(headers)
    for name, template in given.items():
        if template is None:
            merged.pop(name, None)
            continue
        if not isinstance(template, str):
            raise NotConfigured(f"IMS_GSP_PROFILE: {path}: headers.{name} must be a string or null")
        unknown = {f for _, f, _, _ in string.Formatter().parse(template) if f} - set(HEADER_FIELDS)
        if unknown:
            raise NotConfigured(f"IMS_GSP_PROFILE: {path}: headers.{name} names "
                                f"{', '.join(sorted(unknown))}; known fields: {', '.join(HEADER_FIELDS)}")
        merged[name] = template
    return merged


def _strings(path: str, key: str, given: object) -> dict[str, str] | None:
    if given is None:
        return None
    if not isinstance(given, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                              for k, v in given.items()):
        raise NotConfigured(f"IMS_GSP_PROFILE: {path}: '{key}' must be an object of section: answer key")
    return dict(given)
