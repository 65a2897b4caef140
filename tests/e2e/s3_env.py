"""Shared pieces of the S3 end-to-end tests: a `strata server --s3-listen 127.0.0.1:0`, an S3
credential made with `strata token create --s3`, and clients (boto3, AWS CLI, s3cmd) pointed
at it. Uses the Python on PATH (pyenv's has boto3 and `aws`); s3cmd is the Debian package.
"""

import os
import re
import shutil
import subprocess
import time

import pytest

S3_LISTEN_RE = re.compile(r"s3 listening on http://127\.0\.0\.1:(\d+)")
ACCESS_KEY_RE = re.compile(r"(?i)access[ _-]?key[ _-]?id\s*[:=]\s*(\S+)")
SECRET_RE = re.compile(r"(?i)secret(?:[ _-]?access)?[ _-]?key\s*[:=]\s*(\S+)")


def s3_port(server, timeout=15):
    """The S3 port from the server log ("s3 listening on http://127.0.0.1:PORT")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = S3_LISTEN_RE.search(server.log())
        if m:
            return int(m.group(1))
        time.sleep(0.05)
    pytest.fail(f"no 's3 listening on' line:\n{server.log()}", pytrace=False)


class S3Env:
    def __init__(self, server, cli, tmp_path):
        self.server = server
        self.cli = cli
        self.port = s3_port(server)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.tmp = tmp_path
        self.access_key, self.secret = self.new_credential()

    def new_credential(self, *args):
        out = self.cli.ok("token", "create", "--s3", "--name", "e2e-s3", *args).stdout
        ak, sk = ACCESS_KEY_RE.search(out), SECRET_RE.search(out)
        assert ak and sk, f"`strata token create --s3` printed no access key / secret:\n{out}"
        return ak.group(1), sk.group(1)

    def boto3(self, signature_version="s3v4", access_key=None, secret=None, **config):
        import boto3
        from botocore.config import Config
        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret or self.secret,
            config=Config(signature_version=signature_version, retries={"max_attempts": 1}, **config))

    def aws_env(self):
        env = dict(os.environ)
        env.update(AWS_ACCESS_KEY_ID=self.access_key, AWS_SECRET_ACCESS_KEY=self.secret,
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=str(self.tmp / "aws-config"),
                   AWS_SHARED_CREDENTIALS_FILE=str(self.tmp / "aws-credentials"))
        return env

    def aws(self, *args, check=True):
        aws = shutil.which("aws")
        if not aws:
            pytest.skip("the AWS CLI is not installed")
        args = list(map(str, args))
        if args[:1] == ["s3"] and args[1:2] and args[1] in ("cp", "sync", "mv", "rm"):
            args.insert(2, "--only-show-errors")  # no progress lines (only these accept it)
        r = subprocess.run([aws, "--endpoint-url", self.endpoint, *args],
                           env=self.aws_env(), capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        if check:
            assert r.returncode == 0, f"aws {' '.join(map(str, args))}: rc {r.returncode}\n{r.stderr}"
        return r

    def s3cmd(self, *args, check=True):
        s3cmd = shutil.which("s3cmd")
        if not s3cmd:
            pytest.skip("s3cmd is not installed (apt-get install s3cmd)")
        cfg = self.tmp / "s3cfg"
        cfg.write_text(f"[default]\naccess_key = {self.access_key}\nsecret_key = {self.secret}\n"
                       f"host_base = 127.0.0.1:{self.port}\nhost_bucket = 127.0.0.1:{self.port}\n"
                       "use_https = False\nsignature_v2 = False\n")
        r = subprocess.run([s3cmd, "-c", str(cfg), *map(str, args)], capture_output=True, text=True,
                           timeout=600, stdin=subprocess.DEVNULL)
        if check:
            assert r.returncode == 0, f"s3cmd {' '.join(map(str, args))}: rc {r.returncode}\n{r.stderr}"
        return r


@pytest.fixture
def s3server(make_server):
    return make_server(extra_args=["--s3-listen", "127.0.0.1:0"])


@pytest.fixture
def s3env(s3server, strata_bin, tmp_path):
    from conftest import Cli
    cli = Cli(strata_bin, s3server, tmp_path / "home")
    return S3Env(s3server, cli, tmp_path)
