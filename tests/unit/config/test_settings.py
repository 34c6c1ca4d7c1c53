import copy
import dataclasses
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from config.settings import (
    DEFAULT_PATH, ConfigError, GatewaySettings, load_default_settings, load_settings,
)
from matching.model import StpMode

DEMO = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "gw.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def demo_with(change) -> dict:
    data = copy.deepcopy(DEMO)
    change(data)
    return data


# -- the embedded demo profile ---------------------------------------------------------------

def test_default_settings_load_with_the_demo_values():
    s = load_default_settings(environ={})

    assert (s.acceptor.host, s.acceptor.port, s.acceptor.comp_id) == ("127.0.0.1", 9876, "GATEWAY")
    assert list(s.counterparties) == ["CLIENT1", "CLIENT2"]
    client1 = s.counterparties["CLIENT1"]
    assert (client1.password, client1.begin_string, client1.accounts) == (
        "client1-demo", "FIX.4.4", ("CLIENT1",))
    assert client1.authenticate and client1.cancel_on_disconnect
    assert client1.default_account == "CLIENT1"
    btc = s.instruments["BTC-USD"]
    assert (btc.tick, btc.lot, btc.min_qty, btc.max_qty, btc.reference_price) == (
        Decimal("0.01"), Decimal("0.0001"), Decimal("0.0001"), Decimal("1000"), Decimal("60000"))
    assert s.instruments["ETH-USD"].max_qty == Decimal("100000")
    assert s.matching.self_trade_prevention is StpMode.CANCEL_AGGRESSOR
    assert (s.matching.time_advance_ms, s.matching.end_of_day) == (1000, None)
    assert s.data_dir == (Path.cwd() / "var").resolve()
    assert s.database.url == f"sqlite:///{s.data_dir / 'gateway.db'}"
    assert s.risk.instruments["BTC-USD"].max_order_qty == Decimal("25")
    assert s.risk.account_defaults.max_order_notional == Decimal("1000000")
    assert set(s.risk.accounts) == {"CLIENT1", "CLIENT2"}


def test_instrument_settings_become_a_matching_instrument():
    inst = load_default_settings(environ={}).instruments["BTC-USD"].to_instrument()

    assert (inst.symbol, inst.tick, inst.lot, inst.min_lots, inst.max_lots) == (
        "BTC-USD", Decimal("0.01"), Decimal("0.0001"), 1, 10_000_000)


def test_settings_are_frozen():
    s = load_default_settings(environ={})

    with pytest.raises(dataclasses.FrozenInstanceError):
        s.acceptor.port = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.counterparties["CLIENT3"] = s.counterparties["CLIENT1"]  # type: ignore[index]


def test_password_never_appears_in_repr_or_describe(tmp_path):
    data = demo_with(lambda d: d["counterparties"]["CLIENT2"].update(
        password=None, password_env="CLIENT2_PW"))
    del data["counterparties"]["CLIENT2"]["password"]
    data["database"]["url"] = "postgresql://gw:db-secret@db.local/gateway"

    s = load_settings(write(tmp_path, data), environ={"CLIENT2_PW": "env-secret"})

    assert s.counterparties["CLIENT2"].password == "env-secret"
    shown = repr(s) + "\n".join(s.describe())
    for secret in ("client1-demo", "env-secret", "db-secret"):
        assert secret not in shown
    assert "password from $CLIENT2_PW" in "\n".join(s.describe())


@pytest.mark.parametrize("url", [
    "postgresql://gw@db.local/gateway?sslmode=require&password=db-secret",
    "postgresql://db.local/gateway?PASSWORD=db-secret&application_name=gw",
    "postgresql+psycopg://gw:db-secret@db.local:5432/gateway?sslmode=require",
], ids=["query", "query-upper-case", "user-part"])
def test_a_database_password_is_masked_wherever_the_url_carries_it(tmp_path, url):
    data = demo_with(lambda d: d["database"].update(url=url))

    s = load_settings(write(tmp_path, data), environ={})

    shown = repr(s) + "\n".join(s.describe())
    assert "db-secret" not in shown
    assert "db.local" in s.database.display_url and "***" in s.database.display_url


def test_a_mistyped_password_is_not_quoted_in_the_error(tmp_path):
    data = demo_with(_set("counterparties.CLIENT1.password", 918273645))

    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, data), environ={})

    assert caught.value.key == "counterparties.CLIENT1.password"
    assert "918273645" not in str(caught.value)


def test_describe_gives_one_line_per_setting_group():
    lines = load_default_settings(environ={}).describe()

    assert all("\n" not in line for line in lines)
    assert any(line.startswith("instrument BTC-USD: tick=0.01 lot=0.0001") for line in lines)


# -- values that need care -------------------------------------------------------------------

def test_session_settings_become_quickfix_strings_and_counterparty_overrides_acceptor(tmp_path):
    def change(d):
        d["acceptor"]["session"] = {"HeartBtInt": 30, "ResetOnLogon": False}
        d["counterparties"]["CLIENT1"]["session"] = {"ResetOnLogon": True, "TimestampPrecision": 6}

    s = load_settings(write(tmp_path, demo_with(change)), environ={})

    assert dict(s.session_settings("CLIENT1")) == {
        "HeartBtInt": "30", "ResetOnLogon": "Y", "TimestampPrecision": "6"}
    assert dict(s.session_settings("CLIENT2")) == {"HeartBtInt": "30", "ResetOnLogon": "N"}


def test_unquoted_end_of_day_is_a_time_not_a_base_60_number(tmp_path):
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace("end_of_day: null", "end_of_day: 21:30")

    s = load_settings(write(tmp_path, text), environ={})

    assert s.matching.end_of_day == time(21, 30)


def test_optional_keys_take_their_defaults(tmp_path):
    def change(d):
        for key in ("matching", "database", "memory", "risk"):
            del d[key]
        for key in ("begin_string", "authenticate", "cancel_on_disconnect", "session"):
            del d["counterparties"]["CLIENT1"][key]
        del d["instruments"]["BTC-USD"]["min_qty"]

    s = load_settings(write(tmp_path, demo_with(change)), environ={})

    client1 = s.counterparties["CLIENT1"]
    assert (client1.begin_string, client1.authenticate, client1.cancel_on_disconnect) == (
        "FIX.4.4", True, True)
    assert s.instruments["BTC-USD"].min_qty == Decimal("0.0001")
    assert s.matching.self_trade_prevention is StpMode.CANCEL_AGGRESSOR
    assert s.memory.pretouch_mib == 0


def test_memory_pretouch_is_read_and_described(tmp_path):
    s = load_settings(write(tmp_path, demo_with(_set("memory.pretouch_mib", 64))), environ={})

    assert s.memory.pretouch_mib == 64
    assert "memory: pretouch_mib=64" in s.describe()


def test_authenticate_false_needs_no_password_and_stp_by_account_is_read(tmp_path):
    def change(d):
        d["counterparties"]["CLIENT2"] = {"authenticate": False, "begin_string": "FIX.4.2",
                                          "accounts": ["CLIENT2", "CLIENT2-B"]}
        d["matching"]["stp_by_account"] = {"CLIENT2-B": "off"}

    s = load_settings(write(tmp_path, demo_with(change)), environ={})

    assert s.counterparties["CLIENT2"].password is None
    assert s.counterparties["CLIENT2"].begin_string == "FIX.4.2"
    assert dict(s.matching.stp_by_account) == {"CLIENT2-B": StpMode.OFF}


# -- malformed files: one line naming file, dotted key and problem ----------------------------

def _set(path: str, value):
    def change(d):
        *parents, last = path.split(".")
        for p in parents:
            d = d[p]
        d[last] = value
    return change


def _del(path: str):
    def change(d):
        *parents, last = path.split(".")
        for p in parents:
            d = d[p]
        del d[last]
    return change


def _client2_account(account: str):
    return _set("counterparties.CLIENT2.accounts", [account])


MALFORMED = [
    ("unknown_top_level_key", _set("instrumnets", {}), "instrumnets", "unknown key"),
    ("unknown_nested_key", _set("counterparties.CLIENT1.pasword", "x"),
     "counterparties.CLIENT1.pasword", "unknown key"),
    ("missing_key", _del("acceptor.port"), "acceptor.port", "required key is missing"),
    ("missing_section", _del("instruments"), "instruments", "required key is missing"),
    ("wrong_type", _set("acceptor.port", "9876"), "acceptor.port", "expected an integer"),
    ("bad_port", _set("acceptor.port", 70000), "acceptor.port", "outside 1..65535"),
    ("bool_not_int", _set("matching.time_advance_ms", True),
     "matching.time_advance_ms", "expected an integer"),
    ("bad_decimal", _set("instruments.BTC-USD.tick", "0.0x"),
     "instruments.BTC-USD.tick", "'0.0x' is not a decimal"),
    ("float_decimal", _set("instruments.BTC-USD.tick", 0.01), "instruments.BTC-USD.tick", "float"),
    ("zero_lot", _set("instruments.ETH-USD.lot", "0"),
     "instruments.ETH-USD.lot", "not a positive decimal"),
    ("nan_tick", _set("instruments.ETH-USD.tick", "NaN"),
     "instruments.ETH-USD.tick", "not a positive decimal"),
    ("off_lot_min_qty", _set("instruments.BTC-USD.min_qty", "0.00015"),
     "instruments.BTC-USD.min_qty", "not a multiple of lot 0.0001"),
    ("off_tick_reference_price", _set("instruments.BTC-USD.reference_price", "60000.005"),
     "instruments.BTC-USD.reference_price", "not a multiple of tick 0.01"),
    ("max_below_min", _set("instruments.BTC-USD", {**DEMO["instruments"]["BTC-USD"], "min_qty": "1",
                                                    "max_qty": "0.5"}),
     "instruments.BTC-USD.max_qty", "below min_qty"),
    ("no_instruments", _set("instruments", {}), "instruments", "at least one instrument"),
    ("no_counterparties", _set("counterparties", {}),
     "counterparties", "at least one counterparty"),
    ("bad_stp_mode", _set("matching.self_trade_prevention", "cancel_newest"),
     "matching.self_trade_prevention", "'cancel_newest' is not one of: cancel_aggressor"),
    ("stp_for_unknown_account", _set("matching.stp_by_account", {"NOBODY": "off"}),
     "matching.stp_by_account.NOBODY", "not an account"),
    ("bad_end_of_day", _set("matching.end_of_day", "25:00"), "matching.end_of_day", "HH:MM"),
    ("bad_begin_string", _set("counterparties.CLIENT1.begin_string", "FIX.4.3"),
     "counterparties.CLIENT1.begin_string", "'FIX.4.3' is not one of: FIX.4.4, FIX.4.2"),
    ("authenticate_without_password", _del("counterparties.CLIENT1.password"),
     "counterparties.CLIENT1.password", "required when authenticate is true"),
    ("password_and_password_env", _set("counterparties.CLIENT1.password_env", "NO_SUCH_VAR"),
     "counterparties.CLIENT1.password_env", "not both"),
    ("account_of_two_counterparties", _client2_account("CLIENT1"),
     "counterparties.CLIENT2.accounts", "already belongs to CLIENT1"),
    ("counterparty_is_acceptor",
     _set("counterparties.GATEWAY", {"authenticate": False, "accounts": ["X"]}),
     "counterparties.GATEWAY", "acceptor's own comp_id"),
    ("reserved_session_key", _set("acceptor.session", {"SenderCompID": "X"}),
     "acceptor.session.SenderCompID", "set by the gateway"),
    ("float_session_value", _set("counterparties.CLIENT2.session", {"HeartBtInt": 30.5}),
     "counterparties.CLIENT2.session.HeartBtInt", "expected a string, integer or boolean"),
    ("risk_not_a_mapping", _set("risk", [1, 2]), "risk", "expected a mapping"),
    ("negative_pretouch", _set("memory.pretouch_mib", -1), "memory.pretouch_mib", "outside 0.."),
    ("pretouch_beyond_the_machine", _set("memory.pretouch_mib", 1 << 40),
     "memory.pretouch_mib", "more than this process may use"),
    ("unknown_memory_key", _set("memory.pretouch", 64), "memory.pretouch", "unknown key"),
    ("section_not_a_mapping", _set("acceptor", "127.0.0.1:9876"), "acceptor", "expected a mapping"),
]


@pytest.mark.parametrize(("change", "key", "problem"), [m[1:] for m in MALFORMED],
                         ids=[m[0] for m in MALFORMED])
def test_malformed_file_raises_one_line_naming_file_key_and_problem(tmp_path, change, key, problem):
    path = write(tmp_path, demo_with(change))

    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: ")
    assert problem in message
    assert caught.value.key == key


def test_password_env_that_is_not_set_names_the_key(tmp_path):
    def change(d):
        del d["counterparties"]["CLIENT1"]["password"]
        d["counterparties"]["CLIENT1"]["password_env"] = "CLIENT1_PW"

    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, demo_with(change)), environ={})

    assert str(caught.value) == (
        f"{tmp_path / 'gw.yaml'}: counterparties.CLIENT1.password_env:"
        " environment variable CLIENT1_PW is not set or empty")


RAW = [
    ("yaml_syntax_error", "acceptor:\n  host: [127.0.0.1\n  port: 9876\n",
     "line 3", "YAML syntax error"),
    ("duplicate_counterparty", DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "  CLIENT2:\n", "  CLIENT1:\n"), "counterparties.CLIENT1", "duplicate key (line 16)"),
    ("top_level_list", "- a\n- b\n", "", "expected a mapping, got a list"),
    ("empty_file", "# nothing\n", "", "the file is empty"),
]


@pytest.mark.parametrize(("text", "key", "problem"), [r[1:] for r in RAW], ids=[r[0] for r in RAW])
def test_unparseable_file_raises_one_line(tmp_path, text, key, problem):
    path = write(tmp_path, text)

    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})

    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: {key}")
    assert problem in message


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_settings(tmp_path / "absent.yaml")


def test_data_dir_is_resolved_against_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    s: GatewaySettings = load_default_settings(environ={})

    assert s.data_dir == tmp_path.resolve() / "var"
