// The S3 operations, one function each, grouped in files by resource: service_handlers.cc
// (ListBuckets), bucket_handlers.cc, list_handlers.cc, object_handlers.cc,
// multipart_handlers.cc. Each returns an error Status before responding, or sends exactly
// one response and returns OK. Internal to server/s3.
#pragma once

#include "common/status.h"
#include "server/s3/request.h"

namespace strata::server::s3 {

Status listBuckets(S3Request& req);

Status createBucket(S3Request& req);
Status headBucket(S3Request& req);
Status deleteBucket(S3Request& req);
Status getBucketLocation(S3Request& req);
Status getBucketAcl(S3Request& req);
Status putBucketAcl(S3Request& req);
Status getBucketVersioning(S3Request& req);
Status deleteObjects(S3Request& req);

Status listObjects(S3Request& req);  // V1 and V2 (list-type=2)
Status listMultipartUploads(S3Request& req);

Status getObject(S3Request& req);  // GET and HEAD
Status putObject(S3Request& req);
Status copyObject(S3Request& req);
Status deleteObject(S3Request& req);
Status getObjectAcl(S3Request& req);
Status putObjectAcl(S3Request& req);

Status createMultipartUpload(S3Request& req);
Status uploadPart(S3Request& req);
Status completeMultipartUpload(S3Request& req);
Status abortMultipartUpload(S3Request& req);
Status listParts(S3Request& req);

// Whether an anonymous caller may read `bucket` (it is public); errors as S3 would give them.
Status checkAnonymousBucketRead(S3Request& req);

}  // namespace strata::server::s3
