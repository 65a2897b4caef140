"""S3 with the AWS CLI, s3cmd, curl and rclone against a real `strata server --s3-listen`."""

import filecmp
import os
import shutil
import subprocess

import pytest
import requests

from conftest import write_random
from s3_env import s3env, s3server  # noqa: F401 (fixtures)


def make_tree(root):
    (root / "sub" / "deeper").mkdir(parents=True)
    write_random(root / "big.bin", 9 * 1024 * 1024 + 3)
    (root / "sub" / "a.txt").write_text("hello\n")
    (root / "sub" / "deeper" / "space and+plus.txt").write_text("odd name\n")
    (root / "empty").write_bytes(b"")
    return root


def same_tree(a, b):
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return False
    return all(same_tree(a / d, b / d) for d in cmp.common_dirs)


def test_aws_cli_sync_ls_presign(s3env, tmp_path):
    src = make_tree(tmp_path / "src")
    s3env.aws("s3", "sync", src, "s3://private/tree/")
    listing = s3env.aws("s3", "ls", "--recursive", "s3://private/tree/").stdout
    assert "tree/sub/deeper/space and+plus.txt" in listing and "tree/big.bin" in listing
    dst = tmp_path / "dst"
    s3env.aws("s3", "sync", "s3://private/tree/", dst)
    assert same_tree(src, dst)
    # A second sync finds nothing to do (sizes and times match).
    assert s3env.aws("s3", "sync", src, "s3://private/tree/").stdout.strip() == ""
    url = s3env.aws("s3", "presign", "s3://private/tree/big.bin", "--expires-in", "120").stdout.strip()
    got = subprocess.run(["curl", "-sf", url], capture_output=True, timeout=120)
    assert got.returncode == 0 and got.stdout == (src / "big.bin").read_bytes()
    head = s3env.aws("s3api", "head-object", "--bucket", "private", "--key", "tree/sub/a.txt").stdout
    assert '"ContentLength": 6' in head
    s3env.aws("s3", "rm", "--recursive", "s3://private/tree/")
    assert s3env.aws("s3", "ls", "s3://private/tree/", check=False).stdout.strip() == ""
    s3env.aws("s3", "mb", "s3://cli-made")
    s3env.aws("s3", "rb", "s3://cli-made")


def test_curl_anonymous_and_tampered(s3env, tmp_path):
    s3 = s3env.boto3()
    s3.put_object(Bucket="public", Key="p.txt", Body=b"public bytes")
    s3.put_object(Bucket="private", Key="s.txt", Body=b"private bytes")
    out = subprocess.run(["curl", "-s", f"{s3env.endpoint}/public/p.txt"], capture_output=True, timeout=60)
    assert out.stdout == b"public bytes"
    code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"{s3env.endpoint}/private/s.txt"],
                          capture_output=True, text=True, timeout=60).stdout
    assert code == "403"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "private", "Key": "s.txt"}, ExpiresIn=300)
    assert requests.get(url, timeout=30).content == b"private bytes"
    sig_at = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    flipped = url[:sig_at] + ("0" if url[sig_at] != "0" else "1") + url[sig_at + 1:]
    r = requests.get(flipped, timeout=30)
    assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content


def test_s3cmd(s3env, tmp_path):
    src = tmp_path / "f.bin"
    write_random(src, 12 * 1024 * 1024)
    s3env.s3cmd("put", "--multipart-chunk-size-mb=5", src, "s3://private/s3cmd/f.bin")
    assert "s3://private/s3cmd/f.bin" in s3env.s3cmd("ls", "s3://private/s3cmd/").stdout
    got = tmp_path / "got.bin"
    s3env.s3cmd("get", "--force", "s3://private/s3cmd/f.bin", got)
    assert got.read_bytes() == src.read_bytes()
    url = f"{s3env.endpoint}/private/s3cmd/f.bin"
    assert requests.get(url, timeout=30).status_code == 403
    s3env.s3cmd("setacl", "--acl-public", "s3://private/s3cmd/f.bin")
    assert requests.get(url, timeout=60).content == src.read_bytes()
    s3env.s3cmd("setacl", "--acl-private", "s3://private/s3cmd/f.bin")
    signed = s3env.s3cmd("signurl", "s3://private/s3cmd/f.bin", "+120").stdout.strip()
    assert requests.get(signed, timeout=60).content == src.read_bytes()
    s3env.s3cmd("del", "s3://private/s3cmd/f.bin")


def test_rclone_copy_in_and_out(s3env, tmp_path):
    rclone = shutil.which("rclone")
    if not rclone:
        pytest.skip("rclone is not installed (apt-get install rclone)")
    src = make_tree(tmp_path / "src")
    # rclone's AWS SDK refuses a custom CA bundle on its plain-HTTP transport; none is needed.
    env = {k: v for k, v in os.environ.items() if k != "AWS_CA_BUNDLE"}
    env.update(RCLONE_CONFIG_STRATA_TYPE="s3", RCLONE_CONFIG_STRATA_PROVIDER="Other",
               RCLONE_CONFIG_STRATA_ACCESS_KEY_ID=s3env.access_key,
               RCLONE_CONFIG_STRATA_SECRET_ACCESS_KEY=s3env.secret,
               RCLONE_CONFIG_STRATA_ENDPOINT=s3env.endpoint, RCLONE_CONFIG_STRATA_REGION="us-east-1",
               RCLONE_CONFIG=str(tmp_path / "rclone.conf"))

    def run(*args):
        r = subprocess.run([rclone, *map(str, args)], env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, f"rclone {args}: {r.stderr}"
        return r

    run("copy", src, "strata:private/rc")
    dst = tmp_path / "dst"
    run("copy", "strata:private/rc", dst)
    assert same_tree(src, dst)
    run("check", src, "strata:private/rc")
