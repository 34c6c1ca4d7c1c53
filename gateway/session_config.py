"""GatewaySettings -> the QuickFIX acceptor settings text. Generated, never hand-written.

The defaults are the session behaviour counterparties certify against: persistent sequence
numbers in a file store, validation on, millisecond timestamps. Any of them can be overridden
in the YAML (acceptor.session for all, counterparties.<id>.session for one).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from config.settings import GatewaySettings
from fixspec import DICTIONARY


# Our defaults for every session, before the YAML's overrides.
SESSION_DEFAULTS: dict[str, str] = {
    "StartTime": "00:00:00",
    "EndTime": "00:00:00",  # a 24h session: crypto never closes
    "HeartBtInt": "30",
    "ResetOnLogon": "N",  # sequence numbers survive reconnects and restarts (file store)
    "ResetOnLogout": "N",
    "ResetOnDisconnect": "N",
    "PersistMessages": "Y",  # so resend requests can be served
    "UseDataDictionary": "Y",
    "ValidateFieldsOutOfOrder": "Y",
    "ValidateFieldsHaveValues": "Y",
    "ValidateUserDefinedFields": "Y",
    "TimestampPrecision": "3",
    "CheckLatency": "Y",
    "MaxLatency": "120",
}


def store_dir(settings: GatewaySettings) -> Path:
    return settings.data_dir / "fixstore"


def render(settings: GatewaySettings) -> str:
    """The QuickFIX settings file for the acceptor, as text."""
    a = settings.acceptor
    lines = [
        "[DEFAULT]",
        "ConnectionType=acceptor",
        f"SenderCompID={a.comp_id}",
        f"SocketAcceptPort={a.port}",
        f"FileStorePath={store_dir(settings)}",
    ]
    lines += [f"{k}={v}" for k, v in SESSION_DEFAULTS.items()]
    for cp in settings.counterparties.values():
        session = {"DataDictionary": str(DICTIONARY[cp.begin_string])}
        if _is_loopback(a.host):
            # QuickFIX 1.16 cannot bind to one address: it listens on all of them. A loopback
            # host therefore also restricts who may log on to the sessions.
            session["AllowedRemoteAddresses"] = a.host
        session.update(settings.session_settings(cp.comp_id))
        lines += ["", "[SESSION]", f"BeginString={cp.begin_string}",
                  f"TargetCompID={cp.comp_id}"]
        lines += [f"{k}={v}" for k, v in session.items()]
    return "\n".join(lines) + "\n"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
