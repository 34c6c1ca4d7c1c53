"""Gateway settings: frozen dataclass trees, and a strict loader that validates at load time.

A bad file is one ConfigError line naming file, dotted key and problem. This module connects
to nothing and writes no QuickFIX .cfg (the gateway builds that from these settings).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml

from matching.model import Instrument, StpMode
from risk.limits import RiskLimits
from risk.limits import describe as describe_limits

DEFAULT_PATH = Path(__file__).resolve().parent / "gateway.yaml"
BEGIN_STRINGS = ("FIX.4.4", "FIX.4.2")
DEFAULT_DB_FILE = "gateway.db"
# QuickFIX settings the gateway derives from other settings; setting them by hand would fight it.
RESERVED_SESSION_KEYS = frozenset({
    "BeginString", "SenderCompID", "TargetCompID", "ConnectionType", "SocketAcceptHost",
    "SocketAcceptPort", "UseDataDictionary", "DataDictionary", "TransportDataDictionary",
    "AppDataDictionary", "FileStorePath", "FileLogPath",
})

E = TypeVar("E", bound=Enum)


class ConfigError(Exception):
    """A bad setting. `str()` is one line: `{file}: {key}: {problem}`.

    `key` is the dotted key (`instruments.BTC-USD.tick`), or `line N` for a YAML syntax
    error, or empty when the whole file is at fault.
    """

    def __init__(self, file: str | Path, key: str, problem: str) -> None:
        self.file, self.key, self.problem = str(file), key, problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        # One line, whatever a YAML message or a quoted value contained.
        return re.sub(r"\s*\n\s*", " ", f"{where}: {self.problem}")


# -- Settings --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AcceptorSettings:
    host: str
    port: int
    comp_id: str  # our SenderCompID
    session: Mapping[str, str]  # QuickFIX settings for every counterparty


@dataclass(frozen=True, slots=True)
class CounterpartySettings:
    comp_id: str  # their SenderCompID, our TargetCompID
    password: str | None = field(repr=False)  # secret: never in a repr or a log line
    password_env: str | None  # where the password came from, if from the environment
    begin_string: str
    authenticate: bool
    cancel_on_disconnect: bool
    accounts: tuple[str, ...]  # accounts[0] is the default Account(1)
    session: Mapping[str, str]  # overrides AcceptorSettings.session

    @property
    def default_account(self) -> str:
        return self.accounts[0]


@dataclass(frozen=True, slots=True)
class InstrumentSettings:
    symbol: str
    tick: Decimal
    lot: Decimal
    min_qty: Decimal
    max_qty: Decimal
    reference_price: Decimal

    def to_instrument(self) -> Instrument:
        return Instrument.create(self.symbol, str(self.tick), str(self.lot),
                                 str(self.min_qty), str(self.max_qty))


@dataclass(frozen=True, slots=True)
class MatchingSettings:
    self_trade_prevention: StpMode
    stp_by_account: Mapping[str, StpMode]
    time_advance_ms: int
    end_of_day: time | None  # UTC; None: DAY orders are not expired by the clock


_SECRET_PARAMETER = re.compile(r"([?&][^=&]*(?:pass|pwd|secret|token)[^=&]*=)[^&]*",
                               re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str  # an SQLAlchemy URL may embed a password: repr and describe() show `display_url`
    snapshot_every: int = 100_000  # journal entries between snapshots of the core's state

    @property
    def display_url(self) -> str:
        """The URL with its password masked, in the user part or as a query parameter
        (libpq, for one, takes `?password=`)."""
        shown = re.sub(r"(://[^:/@]*:).*@", r"\1***@", self.url)
        return _SECRET_PARAMETER.sub(r"\1***", shown)

    def __repr__(self) -> str:
        return (f"DatabaseSettings(url={self.display_url!r}, "
                f"snapshot_every={self.snapshot_every})")


@dataclass(frozen=True, slots=True)
class MemorySettings:
    pretouch_mib: int = 0  # small-object arenas written at start (gateway/memory.py)


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    source: Path
    data_dir: Path
    acceptor: AcceptorSettings
    counterparties: Mapping[str, CounterpartySettings]  # by comp_id, in file order
    instruments: Mapping[str, InstrumentSettings]  # by symbol, in file order
    matching: MatchingSettings
    database: DatabaseSettings
    risk: RiskLimits
    memory: MemorySettings = MemorySettings()

    def session_settings(self, comp_id: str) -> Mapping[str, str]:
        """Effective QuickFIX settings of one counterparty: acceptor's, then its own."""
        return MappingProxyType({**self.acceptor.session, **self.counterparties[comp_id].session})

    def describe(self) -> list[str]:
        """The effective settings for the start-up log, one per line, without secrets."""
        a, m = self.acceptor, self.matching
        lines = [f"settings: {self.source}", f"data_dir: {self.data_dir}",
                 f"acceptor: {a.host}:{a.port} comp_id={a.comp_id} session={_show(a.session)}"]
        for cp in self.counterparties.values():
            session = _show(self.session_settings(cp.comp_id))
            auth = ("off" if not cp.authenticate else
                    f"password from ${cp.password_env}" if cp.password_env else "password")
            lines.append(
                f"counterparty {cp.comp_id}: {cp.begin_string} authenticate={auth}"
                f" cancel_on_disconnect={_yes(cp.cancel_on_disconnect)}"
                f" accounts={','.join(cp.accounts)} session={session}")
        for i in self.instruments.values():
            lines.append(f"instrument {i.symbol}: tick={i.tick} lot={i.lot} min_qty={i.min_qty}"
                         f" max_qty={i.max_qty} reference_price={i.reference_price}")
        by_account = {k: v.value for k, v in m.stp_by_account.items()}
        eod = f"{m.end_of_day:%H:%M} UTC" if m.end_of_day else "off"
        lines.append(f"matching: self_trade_prevention={m.self_trade_prevention.value}"
                     f" stp_by_account={_show(by_account)} time_advance_ms={m.time_advance_ms}"
                     f" end_of_day={eod}")
        lines.append(f"database: {self.database.display_url}"
                     f" snapshot_every={self.database.snapshot_every}")
        lines.append(f"memory: pretouch_mib={self.memory.pretouch_mib}")
        lines += [f"risk: {line}" for line in describe_limits(self.risk)]
        return lines


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _show(mapping: Mapping[str, str]) -> str:
    shown = {k: "***" if "password" in k.lower() else v for k, v in mapping.items()}
    return "{" + ", ".join(f"{k}={v}" for k, v in shown.items()) + "}"


# -- Loading ---------------------------------------------------------------------------------


def load_default_settings(environ: Mapping[str, str] | None = None) -> GatewaySettings:
    """The embedded demo profile, config/gateway.yaml."""
    return load_settings(DEFAULT_PATH, environ)


def load_settings(path: str | Path, environ: Mapping[str, str] | None = None) -> GatewaySettings:
    """Read and validate a settings file; raises ConfigError. `environ` defaults to os.environ."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = getattr(exc, "strerror", None) or exc
        raise ConfigError(file, "", f"cannot read the file: {problem}") from None
    top = _Section(file, "", _parse_yaml(file, text), _TOP_KEYS)
    env = os.environ if environ is None else environ

    data_dir = (Path.cwd() / top.text("data_dir")).resolve()
    acceptor = _acceptor(top.section("acceptor", _ACCEPTOR_KEYS))
    counterparties = _counterparties(top.section("counterparties", None), env, acceptor.comp_id)
    instruments = _instruments(top.section("instruments", None))
    accounts = {a for cp in counterparties.values() for a in cp.accounts}
    matching = _matching(top.section("matching", _MATCHING_KEYS, default={}), accounts)
    database = top.section("database", ("url", "snapshot_every"), default={})
    url = database.text("url", default=None)
    snapshot_every = database.integer("snapshot_every", default=100_000, low=1)
    memory = _memory(top.section("memory", ("pretouch_mib",), default={}))
    raw_risk = top.get("risk", default={})
    if not isinstance(raw_risk, dict):
        raise top.error("risk", f"expected a mapping, got {_kind(raw_risk)}")
    from config.risk import parse_risk  # it builds on this module's parsing helpers

    risk = parse_risk(raw_risk, file, {s: i.to_instrument() for s, i in instruments.items()},
                      sorted(accounts))
    return GatewaySettings(
        source=Path(path), data_dir=data_dir, acceptor=acceptor,
        counterparties=counterparties, instruments=instruments, matching=matching,
        database=DatabaseSettings(url or f"sqlite:///{data_dir / DEFAULT_DB_FILE}",
                                  snapshot_every),
        risk=risk, memory=memory,
    )


_TOP_KEYS = ("data_dir", "acceptor", "counterparties", "instruments", "matching", "database",
             "memory", "risk")
_ACCEPTOR_KEYS = ("host", "port", "comp_id", "session")
_COUNTERPARTY_KEYS = ("password", "password_env", "begin_string", "authenticate",
                      "cancel_on_disconnect", "accounts", "session")
_INSTRUMENT_KEYS = ("tick", "lot", "min_qty", "max_qty", "reference_price")
_MATCHING_KEYS = ("self_trade_prevention", "stp_by_account", "time_advance_ms", "end_of_day")


def _acceptor(s: _Section) -> AcceptorSettings:
    return AcceptorSettings(host=s.text("host"), port=s.integer("port", low=1, high=65535),
                            comp_id=s.name("comp_id"), session=_session(s))


def _counterparties(s: _Section, env: Mapping[str, str],
                    our_comp_id: str) -> Mapping[str, CounterpartySettings]:
    if not s.data:
        raise ConfigError(s.file, s.path, "at least one counterparty is required")
    owner: dict[str, str] = {}  # account -> counterparty: an account has one owner
    result = {}
    for comp_id in s.data:
        s.check_name(comp_id)
        if comp_id == our_comp_id:
            raise s.error(comp_id, "is the acceptor's own comp_id")
        c = s.section(comp_id, _COUNTERPARTY_KEYS)
        password = c.text("password", default=None, secret=True)
        env_name = c.text("password_env", default=None)
        if password is not None and env_name is not None:
            raise c.error("password_env", "give password or password_env, not both")
        if env_name is not None:
            password = env.get(env_name) or None
            if password is None:
                raise c.error("password_env",
                              f"environment variable {env_name} is not set or empty")
        authenticate = c.flag("authenticate", default=True)
        if authenticate and password is None:
            raise c.error("password", "required when authenticate is true (or give password_env)")
        accounts = c.names("accounts")
        for account in accounts:
            if account in owner:
                raise c.error("accounts",
                              f"account {account!r} already belongs to {owner[account]}")
            owner[account] = comp_id
        result[comp_id] = CounterpartySettings(
            comp_id=comp_id, password=password, password_env=env_name,
            begin_string=c.choice("begin_string", BEGIN_STRINGS, default="FIX.4.4"),
            authenticate=authenticate,
            cancel_on_disconnect=c.flag("cancel_on_disconnect", default=True),
            accounts=accounts, session=_session(c))
    return MappingProxyType(result)


def _instruments(s: _Section) -> Mapping[str, InstrumentSettings]:
    if not s.data:
        raise ConfigError(s.file, s.path, "at least one instrument is required")
    result = {}
    for symbol in s.data:
        s.check_name(symbol)
        i = s.section(symbol, _INSTRUMENT_KEYS)
        tick, lot = i.positive("tick"), i.positive("lot")
        min_qty = i.positive("min_qty", default=lot, step=(lot, "lot"))
        max_qty = i.positive("max_qty", step=(lot, "lot"))
        if max_qty < min_qty:
            raise i.error("max_qty", f"{max_qty} is below min_qty {min_qty}")
        price = i.positive("reference_price", step=(tick, "tick"))
        result[symbol] = InstrumentSettings(symbol, tick, lot, min_qty, max_qty, price)
    return MappingProxyType(result)


def _matching(s: _Section, accounts: set[str]) -> MatchingSettings:
    by_account = s.section("stp_by_account", None, default={})
    for account in by_account.data:
        if account not in accounts:
            raise by_account.error(account, "not an account of any counterparty")
    eod = s.text("end_of_day", default=None)
    if eod is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", eod):
        raise s.error("end_of_day", f"{eod!r} is not a UTC time as \"HH:MM\"")
    stp = s.member("self_trade_prevention", StpMode, default=StpMode.CANCEL_AGGRESSOR)
    return MatchingSettings(
        self_trade_prevention=stp,
        stp_by_account=MappingProxyType({a: by_account.member(a, StpMode)
                                         for a in by_account.data}),
        time_advance_ms=s.integer("time_advance_ms", default=1000, low=1),
        end_of_day=time.fromisoformat(eod) if eod else None,
    )


def _memory(s: _Section) -> MemorySettings:
    pretouch = s.integer("pretouch_mib", default=0, low=0)
    room = _memory_room_mib()
    if pretouch > room:
        # Touched, every page is resident: more than the process may have would end in the
        # out-of-memory killer, not in an error. (Within it, memory that others use can
        # still run short; that is the operator's sizing.)
        raise s.error("pretouch_mib", f"{pretouch} MiB is more than this process may use "
                                      f"({room} MiB: the machine's memory, or its cgroup's "
                                      f"limit if lower)")
    return MemorySettings(pretouch)


def _memory_room_mib() -> int:
    """The machine's memory in MiB, or the process's cgroup (v2) limit if lower."""
    room = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") >> 20
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text(encoding="ascii").strip()
    except OSError:  # no cgroup v2 here: the machine's memory is the bound
        return room
    return min(room, int(limit) >> 20) if limit.isdigit() else room


def _session(parent: _Section) -> Mapping[str, str]:
    """QuickFIX settings as the strings QuickFIX reads: booleans become Y/N."""
    s = parent.section("session", None, default={})
    result = {}
    for key, value in s.data.items():
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key):
            raise s.error(key, "not a QuickFIX setting name")
        if key in RESERVED_SESSION_KEYS:
            raise s.error(key, "is set by the gateway from the other settings")
        if isinstance(value, bool):
            result[key] = "Y" if value else "N"
        elif isinstance(value, int | str) and str(value).strip():
            result[key] = str(value)
        else:
            raise s.error(key, f"expected a string, integer or boolean, got {_kind(value)}")
    return MappingProxyType(result)


# -- Reading YAML strictly -------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 base-60 numbers, so `17:30` and `23:59:59` stay strings."""


_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(0|[1-9][0-9_]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(  # floats are still recognised, to be refused with a clear message
    _FLOAT,
    re.compile(r"^([-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?|[-+]?\.[0-9][0-9_]*([eE][-+][0-9]+)?"
               r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$"),
    list("-+0123456789."))


def _parse_yaml(file: str, text: str) -> object:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(file, "", "the file is empty")
        _reject_duplicate_keys(file, node, "")
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else ""
        raise ConfigError(file, where, f"YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(file, "", f"YAML syntax error: {exc}") from None
    finally:
        loader.dispose()


def _reject_duplicate_keys(file: str, node: yaml.Node, path: str) -> None:
    """PyYAML keeps the last of two equal keys silently; a second CLIENT1 must be an error."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            dotted = f"{path}.{key}" if path else key
            if key in seen:
                line = key_node.start_mark.line + 1
                raise ConfigError(file, dotted, f"duplicate key (line {line})")
            seen.add(key)
            _reject_duplicate_keys(file, value_node, dotted)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _reject_duplicate_keys(file, item, f"{path}[{index}]")


_REQUIRED: Any = object()


class _Section:
    """One mapping of the file: typed getters that raise ConfigError naming the dotted key.

    `keys` is the schema; a key outside it is refused up front, so a typo reads "unknown key"
    rather than "required key missing". None means free keys (symbols, comp ids, accounts).
    """

    def __init__(self, file: str, path: str, data: object, keys: tuple[str, ...] | None) -> None:
        self.file, self.path = file, path
        if not isinstance(data, dict):
            raise ConfigError(file, path, f"expected a mapping, got {_kind(data)}")
        for key in data:
            if not isinstance(key, str):
                raise self.error(str(key), f"keys must be strings, got {_kind(key)}")
            if keys is not None and key not in keys:
                raise self.error(key, f"unknown key (expected one of: {', '.join(keys)})")
        self.data: dict[str, object] = data

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.file, f"{self.path}.{key}" if self.path else key, problem)

    def get(self, key: str, default: Any = _REQUIRED) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _REQUIRED:
            raise self.error(key, "required key is missing")
        return default

    def section(self, key: str, keys: tuple[str, ...] | None, default: Any = _REQUIRED) -> _Section:
        path = f"{self.path}.{key}" if self.path else key
        return _Section(self.file, path, self.get(key, default), keys)

    def text(self, key: str, default: Any = _REQUIRED, secret: bool = False) -> Any:
        """A non-empty string; `default` (possibly None) when absent or null-with-None-default.

        A `secret` value is never quoted back in an error message, which may be logged.
        """
        value = self.get(key, default)
        if value is None and default is None:
            return None
        if not isinstance(value, str) or not value.strip():
            kind = type(value).__name__ if secret and value is not None else _kind(value)
            raise self.error(key, f"expected a non-empty string, got {kind}")
        return value

    def check_name(self, key: str) -> None:
        if not key.strip() or any(ch.isspace() for ch in key):
            raise self.error(key, "must be non-empty and without spaces")

    def name(self, key: str) -> str:
        value = self.text(key)
        if any(ch.isspace() for ch in value):
            raise self.error(key, f"{value!r} must not contain spaces")
        return value

    def names(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if not isinstance(value, list) or not value:
            raise self.error(key, f"expected a non-empty list of names, got {_kind(value)}")
        for item in value:
            if not isinstance(item, str) or not item.strip() or any(c.isspace() for c in item):
                raise self.error(key, f"expected names without spaces, got {_kind(item)}")
        if len(set(value)) != len(value):
            raise self.error(key, "lists a name twice")
        return tuple(value)

    def integer(self, key: str, default: Any = _REQUIRED, low: int | None = None,
                high: int | None = None) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {_kind(value)}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.error(key, f"{value} is outside {low}..{'' if high is None else high}")
        return value

    def flag(self, key: str, default: Any = _REQUIRED) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_kind(value)}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = _REQUIRED) -> str:
        value = self.get(key, default)
        if value not in allowed:
            raise self.error(key, f"{value!r} is not one of: {', '.join(allowed)}")
        return str(value)

    def member(self, key: str, enum: type[E], default: Any = _REQUIRED) -> E:
        value = self.get(key, default)
        if isinstance(value, enum):
            return value
        by_value = {m.value: m for m in enum}
        if not isinstance(value, str) or value not in by_value:
            raise self.error(key, f"{value!r} is not one of: {', '.join(map(str, by_value))}")
        return by_value[value]

    def positive(self, key: str, default: Any = _REQUIRED,
                 step: tuple[Decimal, str] | None = None) -> Decimal:
        """A positive decimal given as a string (or an int); floats are refused as inexact."""
        value = self.get(key, default)
        if isinstance(value, Decimal):
            return value
        if isinstance(value, float):
            raise self.error(key, f"{value!r} is a float, which is inexact: "
                                  f"quote it as \"{value!r}\"")
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.error(key, f"expected a decimal string, got {_kind(value)}")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.error(key, f"{value!r} is not a decimal") from None
        if not number.is_finite() or number <= 0:
            raise self.error(key, f"{value!r} is not a positive decimal")
        if step is not None:
            try:
                off_step = number % step[0] != 0
            except InvalidOperation:  # quotient beyond the 28-digit context: absurdly large
                off_step = True
            if off_step:
                raise self.error(key, f"{value} is not a multiple of {step[1]} {step[0]}")
        return number


_KINDS = {bool: "boolean", int: "integer", float: "float", str: "string"}


def _kind(value: object) -> str:
    """How a YAML value reads in an error message."""
    if value is None:
        return "null"
    if type(value) in _KINDS:
        return f"{_KINDS[type(value)]} {value!r}"
    return {dict: "a mapping", list: "a list"}.get(type(value), type(value).__name__)


def _freeze(value: object) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: object) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value
