#include "server/s3/errors.h"

#include <map>

#include "object/errors.h"
#include "server/s3/xml.h"

namespace strata::server::s3 {

int httpStatusOfS3Code(std::string_view code) {
  static const std::map<std::string_view, int, std::less<>> kStatus = {
      {"AccessDenied", 403},
      {"AuthorizationHeaderMalformed", 400},
      {"AuthorizationQueryParametersError", 400},
      {"BadDigest", 400},
      {"BucketAlreadyExists", 409},
      {"BucketAlreadyOwnedByYou", 409},
      {"BucketNotEmpty", 409},
      {"EntityTooLarge", 400},
      {"EntityTooSmall", 400},
      {"ExpiredToken", 400},
      {"IncompleteBody", 400},
      {"InternalError", 500},
      {"InvalidAccessKeyId", 403},
      {"InvalidArgument", 400},
      {"InvalidBucketName", 400},
      {"InvalidDigest", 400},
      {"InvalidPart", 400},
      {"InvalidPartOrder", 400},
      {"InvalidRange", 416},
      {"InvalidRequest", 400},
      {"KeyTooLongError", 400},
      {"MalformedXML", 400},
      {"MetadataTooLarge", 400},
      {"MethodNotAllowed", 405},
      {"MissingContentLength", 411},
      {"MissingSecurityHeader", 400},
      {"NoSuchBucket", 404},
      {"NoSuchKey", 404},
      {"NoSuchUpload", 404},
      {"NotImplemented", 501},
      {"NotModified", 304},
      {"PreconditionFailed", 412},
      {"RequestHeaderSectionTooLarge", 400},
      {"RequestTimeTooSkewed", 403},
      {"ServiceUnavailable", 503},
      {"SignatureDoesNotMatch", 403},
      {"SlowDown", 503},
      {"XAmzContentSHA256Mismatch", 400},
  };
  auto it = kStatus.find(code);
  return it == kStatus.end() ? 500 : it->second;
}

S3ErrorInfo s3ErrorOf(const Status& status) {
  S3ErrorInfo e;
  std::string_view tag = object::s3CodeOf(status);
  e.message = std::string(object::messageOf(status));
  if (!tag.empty()) {
    e.code = std::string(tag);
  } else {
    switch (status.code()) {
      case Code::kNotFound: e.code = "NoSuchKey"; break;
      case Code::kInvalidArgument: e.code = "InvalidArgument"; break;
      case Code::kNameTooLong: e.code = "KeyTooLongError"; break;
      case Code::kTooLarge: e.code = "EntityTooLarge"; break;
      case Code::kRangeNotSatisfiable: e.code = "InvalidRange"; break;
      case Code::kPermissionDenied:
      case Code::kReadOnly:
      case Code::kUnauthenticated: e.code = "AccessDenied"; break;
      case Code::kNotSupported: e.code = "NotImplemented"; break;
      case Code::kBusy:
      case Code::kConflict: e.code = "SlowDown"; break;
      case Code::kUnavailable: e.code = "ServiceUnavailable"; break;
      default:
        e.code = "InternalError";
        e.message = "we encountered an internal error, please try again";
    }
  }
  e.http_status = httpStatusOfS3Code(e.code);
  return e;
}

std::string errorXml(const S3ErrorInfo& error, std::string_view resource,
                     std::string_view request_id) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>";
  out += xmlEscape(error.code);
  out += "</Code><Message>";
  out += xmlEscape(error.message);
  out += "</Message><Resource>";
  out += xmlEscape(resource);
  out += "</Resource><RequestId>";
  out += xmlEscape(request_id);
  out += "</RequestId></Error>";
  return out;
}

}  // namespace strata::server::s3
