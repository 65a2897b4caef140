"""kill -9 of the server in the middle of a multipart upload: no completed object is lost, no
partial object becomes visible, the upload can be resumed and completed, and fsck is clean."""

import os
import threading

import pytest

from conftest import run_offline
from s3_env import s3_port, s3env, s3server  # noqa: F401 (fixtures)

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

MiB = 1024 * 1024


def test_kill9_mid_multipart(s3env, strata_bin):
    s3 = s3env.boto3()
    done = os.urandom(6 * MiB)
    s3.put_object(Bucket="private", Key="done.bin", Body=done)
    up = s3.create_multipart_upload(Bucket="private", Key="partial.bin")["UploadId"]
    p1 = os.urandom(5 * MiB)
    e1 = s3.upload_part(Bucket="private", Key="partial.bin", UploadId=up, PartNumber=1, Body=p1)["ETag"]

    # Part 2 streams slowly; the server dies while it is in flight.
    started = threading.Event()

    def slow_body():
        started.set()
        for _ in range(64):
            yield os.urandom(256 * 1024)
            threading.Event().wait(0.05)

    def upload_part2():
        try:
            s3.upload_part(Bucket="private", Key="partial.bin", UploadId=up, PartNumber=2,
                           Body=_Stream(slow_body()),
                           ContentLength=64 * 256 * 1024)
        except Exception:
            pass  # the connection dies with the server

    t = threading.Thread(target=upload_part2)
    t.start()
    started.wait(10)
    threading.Event().wait(0.5)
    s3env.server.kill9()
    t.join(60)

    s3env.server.start()
    s3env.port = s3_port(s3env.server)
    s3env.endpoint = f"http://127.0.0.1:{s3env.port}"
    s3 = s3env.boto3()
    assert s3.get_object(Bucket="private", Key="done.bin")["Body"].read() == done
    with pytest.raises(ClientError):
        s3.head_object(Bucket="private", Key="partial.bin")
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="private").get("Uploads", [])] == [up]
    parts = s3.list_parts(Bucket="private", Key="partial.bin", UploadId=up).get("Parts", [])
    assert [p["PartNumber"] for p in parts] == [1]  # part 2 never committed
    p2 = os.urandom(1000)
    e2 = s3.upload_part(Bucket="private", Key="partial.bin", UploadId=up, PartNumber=2, Body=p2)["ETag"]
    s3.complete_multipart_upload(Bucket="private", Key="partial.bin", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                                            {"PartNumber": 2, "ETag": e2}]})
    assert s3.get_object(Bucket="private", Key="partial.bin")["Body"].read() == p1 + p2

    s3env.server.stop()
    r = run_offline(strata_bin, "fsck", "--data", s3env.server.data)
    assert r.returncode == 0, f"fsck after the crash:\n{r.stdout}\n{r.stderr}"


class _Stream:
    """A file-like body that produces its bytes slowly (so the kill lands mid-upload)."""

    def __init__(self, gen):
        self.gen = gen
        self.buf = b""

    def read(self, n=-1):
        while (n < 0 or len(self.buf) < n):
            try:
                self.buf += next(self.gen)
            except StopIteration:
                break
        if n < 0:
            out, self.buf = self.buf, b""
        else:
            out, self.buf = self.buf[:n], self.buf[n:]
        return out
