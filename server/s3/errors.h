// S3 error responses: the S3 code and HTTP status of a Status, and the XML body.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace strata::server::s3 {

struct S3ErrorInfo {
  std::string code;  // "NoSuchKey"
  int http_status = 500;
  std::string message;
};

// The S3 error for `status`: its object::s3Error tag when it has one, otherwise a code
// chosen from the error table (kNotFound -> NoSuchKey, kTooLarge -> EntityTooLarge, ...).
S3ErrorInfo s3ErrorOf(const Status& status);
// The HTTP status S3 answers an error code with (500 for unknown codes).
int httpStatusOfS3Code(std::string_view code);

// <Error><Code/><Message/><Resource/><RequestId/></Error>
std::string errorXml(const S3ErrorInfo& error, std::string_view resource,
                     std::string_view request_id);

}  // namespace strata::server::s3
