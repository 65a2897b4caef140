"""S3 with boto3 against a real `strata server --s3-listen`: objects, metadata, ranges,
conditions, listing, multipart, copy, batch delete, ACLs, presigned URLs, and S3's errors."""

import hashlib
import io
import os
import time

import pytest
import requests

from s3_env import s3env, s3server  # noqa: F401 (fixtures)

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402


def error_code(call, *args, **kw):
    with pytest.raises(ClientError) as e:
        call(*args, **kw)
    return e.value.response["Error"]["Code"]


def test_put_get_metadata_range_conditions(s3env):
    s3 = s3env.boto3()
    etag = s3.put_object(Bucket="private", Key="dir/hello.txt", Body=b"hello world",
                         ContentType="text/plain", CacheControl="max-age=60",
                         Metadata={"color": "blue"})["ETag"]
    assert etag == '"' + hashlib.md5(b"hello world").hexdigest() + '"'
    r = s3.get_object(Bucket="private", Key="dir/hello.txt")
    assert r["Body"].read() == b"hello world"
    assert r["ContentType"] == "text/plain" and r["CacheControl"] == "max-age=60"
    assert r["Metadata"] == {"color": "blue"}
    assert s3.get_object(Bucket="private", Key="dir/hello.txt", Range="bytes=6-")["Body"].read() == b"world"
    assert error_code(s3.get_object, Bucket="private", Key="dir/hello.txt", Range="bytes=50-60") == "InvalidRange"
    assert error_code(s3.get_object, Bucket="private", Key="dir/hello.txt", IfMatch='"nope"') == "PreconditionFailed"
    assert error_code(s3.get_object, Bucket="private", Key="dir/hello.txt", IfNoneMatch=etag) == "304"
    assert s3.head_object(Bucket="private", Key="dir/hello.txt")["ContentLength"] == 11
    s3.delete_object(Bucket="private", Key="dir/hello.txt")
    assert error_code(s3.get_object, Bucket="private", Key="dir/hello.txt") == "NoSuchKey"
    assert error_code(s3.get_object, Bucket="nope-bucket", Key="k") == "NoSuchBucket"


def test_large_managed_upload_and_download(s3env, tmp_path):
    s3 = s3env.boto3()
    data = os.urandom(21 * 1024 * 1024 + 17)
    s3.upload_fileobj(io.BytesIO(data), "private", "big.bin")  # multipart (8 MiB parts)
    head = s3.head_object(Bucket="private", Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')
    out = io.BytesIO()
    s3.download_fileobj("private", "big.bin", out)  # parallel ranged GETs
    assert out.getvalue() == data


def test_multipart_rules(s3env):
    s3 = s3env.boto3()
    up = s3.create_multipart_upload(Bucket="private", Key="mp")["UploadId"]
    p1 = s3.upload_part(Bucket="private", Key="mp", UploadId=up, PartNumber=1, Body=b"a" * 100)["ETag"]
    p2 = s3.upload_part(Bucket="private", Key="mp", UploadId=up, PartNumber=2, Body=b"b" * 100)["ETag"]
    parts = [{"PartNumber": 1, "ETag": p1}, {"PartNumber": 2, "ETag": p2}]
    assert error_code(s3.complete_multipart_upload, Bucket="private", Key="mp", UploadId=up,
                      MultipartUpload={"Parts": parts}) == "EntityTooSmall"
    assert error_code(s3.complete_multipart_upload, Bucket="private", Key="mp", UploadId=up,
                      MultipartUpload={"Parts": parts[::-1]}) == "InvalidPartOrder"
    assert error_code(s3.complete_multipart_upload, Bucket="private", Key="mp", UploadId=up,
                      MultipartUpload={"Parts": [{"PartNumber": 3, "ETag": p1}]}) == "InvalidPart"
    assert [p["PartNumber"] for p in s3.list_parts(Bucket="private", Key="mp", UploadId=up)["Parts"]] == [1, 2]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="private")["Uploads"]] == [up]
    assert error_code(s3.head_object, Bucket="private", Key="mp") == "404"
    s3.abort_multipart_upload(Bucket="private", Key="mp", UploadId=up)
    assert error_code(s3.list_parts, Bucket="private", Key="mp", UploadId=up) == "NoSuchUpload"


def test_listing_pages_prefixes_and_v1(s3env):
    s3 = s3env.boto3()
    s3.create_bucket(Bucket="e2e-list")
    keys = [f"logs/{d}/{i:03d}" for d in ("a", "b") for i in range(30)] + ["top1", "top2"]
    for k in keys:
        s3.put_object(Bucket="e2e-list", Key=k, Body=k.encode())
    seen = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="e2e-list", PaginationConfig={"PageSize": 7}):
        seen += [o["Key"] for o in page.get("Contents", [])]
    assert seen == sorted(keys)
    r = s3.list_objects_v2(Bucket="e2e-list", Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["logs/"]
    assert [o["Key"] for o in r["Contents"]] == ["top1", "top2"]
    r = s3.list_objects_v2(Bucket="e2e-list", Prefix="logs/", Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["logs/a/", "logs/b/"]
    r = s3.list_objects_v2(Bucket="e2e-list", StartAfter="logs/b/028")
    assert [o["Key"] for o in r["Contents"]] == ["logs/b/029", "top1", "top2"]
    v1 = []
    for page in s3.get_paginator("list_objects").paginate(Bucket="e2e-list", PaginationConfig={"PageSize": 11}):
        v1 += [o["Key"] for o in page.get("Contents", [])]
    assert v1 == sorted(keys)


def test_buckets_copy_delete_objects_acl(s3env):
    s3 = s3env.boto3()
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert {"public", "private"} <= set(names)
    s3.create_bucket(Bucket="e2e-bucket")
    assert error_code(s3.create_bucket, Bucket="e2e-bucket") in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")
    assert error_code(s3.create_bucket, Bucket="Bad_Name") == "InvalidBucketName"
    s3.put_object(Bucket="e2e-bucket", Key="src", Body=b"payload", Metadata={"k": "v"})
    s3.copy_object(Bucket="e2e-bucket", Key="dst", CopySource={"Bucket": "e2e-bucket", "Key": "src"})
    assert s3.head_object(Bucket="e2e-bucket", Key="dst")["Metadata"] == {"k": "v"}
    s3.copy_object(Bucket="e2e-bucket", Key="dst2", CopySource="e2e-bucket/src",
                   MetadataDirective="REPLACE", Metadata={"n": "2"}, ContentType="x/y")
    h = s3.head_object(Bucket="e2e-bucket", Key="dst2")
    assert h["Metadata"] == {"n": "2"} and h["ContentType"] == "x/y"
    assert error_code(s3.delete_bucket, Bucket="e2e-bucket") == "BucketNotEmpty"
    r = s3.delete_objects(Bucket="e2e-bucket", Delete={"Objects": [{"Key": k} for k in ("src", "dst", "dst2")]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["dst", "dst2", "src"]
    s3.delete_bucket(Bucket="e2e-bucket")
    assert error_code(s3.head_bucket, Bucket="e2e-bucket") == "404"
    assert s3.get_bucket_location(Bucket="private")["LocationConstraint"] in (None, "")
    assert error_code(s3.put_object, Bucket="private", Key="k" * 1025, Body=b"x") == "KeyTooLongError"


def test_anonymous_public_and_acls(s3env):
    s3 = s3env.boto3()
    s3.put_object(Bucket="public", Key="pub.txt", Body=b"everyone")
    s3.put_object(Bucket="private", Key="secret.txt", Body=b"me")
    url = s3env.endpoint
    assert requests.get(f"{url}/public/pub.txt", timeout=30).content == b"everyone"
    r = requests.get(f"{url}/private/secret.txt", timeout=30)
    assert r.status_code == 403 and b"<Code>AccessDenied</Code>" in r.content
    assert requests.put(f"{url}/public/x", data=b"x", timeout=30).status_code == 403
    # Virtual-host addressing: the bucket comes from the Host header.
    r = requests.get(f"{url}/pub.txt", headers={"Host": f"public.s3.localhost:{s3env.port}"}, timeout=30)
    assert r.content == b"everyone"
    s3.put_object_acl(Bucket="private", Key="secret.txt", ACL="public-read")
    assert requests.get(f"{url}/private/secret.txt", timeout=30).content == b"me"
    s3.put_bucket_acl(Bucket="public", ACL="private")
    assert requests.get(f"{url}/public/pub.txt", timeout=30).status_code == 403
    grants = s3.get_bucket_acl(Bucket="public")["Grants"]
    assert all(g["Grantee"].get("URI") is None for g in grants)


@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
def test_presigned_urls(s3env, signature_version):
    s3 = s3env.boto3(signature_version=signature_version)
    s3env.boto3().put_object(Bucket="private", Key="doc", Body=b"signed bytes")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "private", "Key": "doc"}, ExpiresIn=900)
    assert requests.get(url, timeout=30).content == b"signed bytes"
    tampered = url.replace("doc?", "dox?")
    assert requests.get(tampered, timeout=30).status_code == 403
    short = s3.generate_presigned_url("get_object", Params={"Bucket": "private", "Key": "doc"}, ExpiresIn=1)
    time.sleep(2.5)
    r = requests.get(short, timeout=30)
    assert r.status_code == 403 and b"expired" in r.content


def test_bad_credentials_are_refused(s3env):
    bad = s3env.boto3(secret="x" * 40)
    assert error_code(bad.list_buckets) == "SignatureDoesNotMatch"
    unknown = s3env.boto3(access_key="SKNOSUCHKEY000000000")
    assert error_code(unknown.list_buckets) == "InvalidAccessKeyId"
