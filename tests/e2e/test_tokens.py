"""Tokens end to end: `strata token create|list|revoke` and what each kind of token may do."""

import re

import requests

from conftest import write_random

TOKEN_RE = re.compile(r"strata_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


def create_token(cli, *args):
    """`strata token create ARGS` -> (id, token text) parsed from its output."""
    out = cli.ok("token", "create", *args).stdout
    m = TOKEN_RE.search(out)
    assert m, f"`strata token create` printed no token:\n{out}"
    token = m.group(0)
    return token.split("_")[1], token


def whoami(server, token):
    return requests.get(server.url + "/api/v1/whoami", headers={"Authorization": f"Bearer {token}"},
                        timeout=30)


def test_create_list_revoke(cli, server):
    tid, token = create_token(cli, "--name", "ci-runner")
    r = whoami(server, token)
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["id"] == tid and me["name"] == "ci-runner"
    assert me["read_only"] is False and me["admin"] is False

    out = cli.ok("token", "list").stdout
    assert tid in out and "ci-runner" in out, out
    assert token.split("_")[2] not in out, "token list shows a secret"
    r = server.get("/api/v1/tokens")
    assert r.status_code == 200
    listed = {t["id"]: t for t in r.json()["tokens"]}
    assert tid in listed and "token" not in listed[tid] and "secret" not in listed[tid]

    # The new token works for the CLI.
    cli.storage_ok("mkdir", "/made-by-ci", token=token)

    cli.ok("token", "revoke", tid)
    r = whoami(server, token)
    assert r.status_code == 401, f"revoked token: want 401 at once, got {r.status_code}"
    assert r.json()["error"]["code"] == "unauthenticated"
    cli.fails("storage", "ls", "/", token=token)
    cli.fails("token", "revoke", "ffffffffffffffff")


def test_read_only_token(cli, server, tmp_path):
    f = tmp_path / "x.bin"
    write_random(f, 2048)
    cli.storage_ok("upload", f, "/x.bin")
    tid, ro = create_token(cli, "--name", "reader", "--read-only")
    assert whoami(server, ro).json()["read_only"] is True

    assert "x.bin" in cli.storage_ok("ls", "/", token=ro).stdout
    cli.storage_ok("download", "/x.bin", tmp_path / "got.bin", token=ro)
    assert (tmp_path / "got.bin").read_bytes() == f.read_bytes()

    before = server.tree("/")
    cli.fails("storage", "upload", f, "/y.bin", token=ro)
    cli.fails("storage", "mkdir", "/d", token=ro)
    cli.fails("storage", "rm", "/x.bin", token=ro)
    cli.fails("storage", "mv", "/x.bin", "/z.bin", token=ro)
    assert server.tree("/") == before

    for method, path, body in [
        ("post", "/api/v1/fs/default/mkdir", {"path": "/d"}),
        ("post", "/api/v1/fs/default/uploads", {"chunks": []}),
        ("post", "/api/v1/fs/default/move", {"from": "/x.bin", "to": "/z.bin"}),
        ("delete", "/api/v1/fs/default/files?path=/x.bin", None),
    ]:
        r = getattr(server, method)(path, token=ro, json=body) if body is not None else \
            getattr(server, method)(path, token=ro)
        assert r.status_code == 403, f"{method.upper()} {path} with a read-only token: {r.status_code} {r.text}"
        assert r.json()["error"]["code"] in ("permission_denied", "read_only")
    assert server.tree("/") == before

    # A read-only or plain token cannot manage tokens.
    assert server.post("/api/v1/tokens", token=ro, json={"name": "x"}).status_code == 403
    _, plain = create_token(cli, "--name", "plain")
    assert server.get("/api/v1/tokens", token=plain).status_code == 403
    assert server.post("/api/v1/fs", token=plain, json={"name": "nope"}).status_code == 403


def test_admin_token_can_make_tokens(cli, server):
    _, admin2 = create_token(cli, "--name", "ops", "--admin")
    assert whoami(server, admin2).json()["admin"] is True
    r = server.post("/api/v1/tokens", token=admin2, json={"name": "child"})
    assert r.status_code == 201, r.text
    assert TOKEN_RE.fullmatch(r.json()["token"])


def test_missing_or_bad_token_is_401(cli, server):
    for headers in [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer strata_0123456789abcdef_" + "A" * 43},
                    {"Authorization": "Bearer " + server.admin_token + "x"},
                    {"Authorization": "Bearer not-a-token"}]:
        r = requests.get(server.url + "/api/v1/fs", headers=headers, timeout=30)
        assert r.status_code == 401, f"{headers}: {r.status_code} {r.text}"
        assert r.json()["error"]["code"] == "unauthenticated"
    r = cli.run("storage", "ls", "/", with_env=True, token="strata_0123456789abcdef_" + "A" * 43)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, (r.returncode, r.stderr)
    # No token at all: the CLI says so in one line.
    env_less = cli.run("storage", "ls", "/", with_env=False)
    assert env_less.returncode == 1 and len(env_less.stderr.strip().splitlines()) == 1, env_less.stderr
