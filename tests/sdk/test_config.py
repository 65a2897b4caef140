"""strata.config: environment, the CLI's saved login, per-object overrides; auth errors."""

import json

import pytest

from strata import config
from strata.errors import AuthError, InvalidArgumentError, StrataError, TransportError
from strata.kv import KV


def write_login(xdg, url, token):
    d = xdg / "strata"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps({"url": url, "token": token}, indent=2))


def test_precedence_env_over_saved_login_over_default(tmp_path):
    xdg = tmp_path / "xdg"
    write_login(xdg, "http://saved:1/", "saved-token")
    env = {"XDG_CONFIG_HOME": str(xdg)}
    c = config.resolve(env=env)
    assert (c.url, c.token) == ("http://saved:1", "saved-token")
    c = config.resolve(env={**env, "STRATA_URL": "http://env:2", "STRATA_TOKEN": "env-token"})
    assert (c.url, c.token) == ("http://env:2", "env-token")
    c = config.resolve("http://arg:3", "arg-token", env={**env, "STRATA_URL": "http://env:2"})
    assert (c.url, c.token) == ("http://arg:3", "arg-token")
    c = config.resolve(env={"HOME": str(tmp_path / "nohome")})
    assert (c.url, c.token) == (config.DEFAULT_URL, "")


def test_home_config_path_when_no_xdg(tmp_path):
    write_login(tmp_path / "home" / ".config", "http://home:4", "home-token")
    c = config.resolve(env={"HOME": str(tmp_path / "home")})
    assert (c.url, c.token) == ("http://home:4", "home-token")


def test_bad_url_and_bad_config_file(tmp_path):
    with pytest.raises(ValueError):
        config.resolve("ftp://x", "t", env={})
    d = tmp_path / "xdg" / "strata"
    d.mkdir(parents=True)
    (d / "config.json").write_text("[1, 2]")
    with pytest.raises(InvalidArgumentError, match="not a JSON object"):
        config.resolve(env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")})


def test_saved_login_is_used_against_a_real_server(server, monkeypatch, tmp_path):
    xdg = tmp_path / "xdg2"
    write_login(xdg, server.url, server.admin_token)
    monkeypatch.delenv("STRATA_URL")
    monkeypatch.delenv("STRATA_TOKEN")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert isinstance(KV.list_kv(), list)


def test_per_object_override_beats_environment(server, monkeypatch):
    monkeypatch.setenv("STRATA_URL", "http://127.0.0.1:1")  # nothing listens there
    monkeypatch.setenv("STRATA_TOKEN", "strata_bad")
    kv = KV("x", url=server.url, token=server.admin_token)
    assert isinstance(KV.list_kv(url=server.url, token=server.admin_token), list)
    assert repr(kv).startswith("KV('x'")


def test_wrong_token_is_permission_error_with_server_message(server):
    with pytest.raises(PermissionError) as e:
        KV.list_kv(token="strata_0000000000000000_" + "A" * 43)
    assert isinstance(e.value, AuthError) and isinstance(e.value, StrataError)
    assert e.value.status == 401 and e.value.message and "401" in str(e.value)


def test_missing_token_is_permission_error(server, monkeypatch):
    monkeypatch.delenv("STRATA_TOKEN")
    with pytest.raises(AuthError) as e:
        KV.list_kv()
    assert e.value.status == 401


def test_read_only_token_gets_403_on_changes(server):
    ro = server.create_token("sdk-ro", read_only=True)
    with pytest.raises(PermissionError) as e:
        KV.create_kv("ro-denied", token=ro)
    assert e.value.status == 403 and e.value.message
    assert isinstance(KV.list_kv(token=ro), list)  # reading is allowed


def test_unreachable_server_is_connection_error(monkeypatch):
    monkeypatch.setenv("STRATA_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("STRATA_TOKEN", "t")
    with pytest.raises(ConnectionError) as e:
        KV.list_kv(retries=1)
    assert isinstance(e.value, TransportError)
