// Service and bucket operations: ListBuckets, Create/Head/DeleteBucket, location, ACLs,
// versioning (always off), DeleteObjects.
#include "object/errors.h"
#include "object/md5.h"
#include "server/s3/errors.h"
#include "server/s3/handlers.h"
#include "server/s3/xml.h"

namespace strata::server::s3 {
namespace {

constexpr uint64_t kSmallXmlLimit = 1 << 20;
constexpr size_t kMaxDeleteKeys = 1000;
constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";

std::string aclXml(const std::string& owner, bool is_public) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  x += "<Owner><ID>" + xmlEscape(owner) + "</ID><DisplayName>" + xmlEscape(owner) +
       "</DisplayName></Owner><AccessControlList>";
  x += "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
       "xsi:type=\"CanonicalUser\"><ID>" + xmlEscape(owner) + "</ID><DisplayName>" +
       xmlEscape(owner) + "</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>";
  if (is_public) {
    x += "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
         "xsi:type=\"Group\"><URI>" + std::string(kAllUsers) +
         "</URI></Grantee><Permission>READ</Permission></Grant>";
  }
  x += "</AccessControlList></AccessControlPolicy>";
  return x;
}

}  // namespace

// The public flag an ACL request asks for: the x-amz-acl header, or an AccessControlPolicy
// body (public when it grants READ to AllUsers).
static Result<bool> requestedPublic(S3Request& req) {
  ASSIGN_OR_RETURN(auto canned, cannedAcl(req));
  if (canned) return *canned;
  ASSIGN_OR_RETURN(std::string body, readSmallBody(req, kSmallXmlLimit));
  if (body.empty()) {
    return object::s3Error(Code::kInvalidArgument, "MissingSecurityHeader",
                           "give an x-amz-acl header or an AccessControlPolicy body");
  }
  ASSIGN_OR_RETURN(XmlElement doc, parseXml(body));
  if (doc.name != "AccessControlPolicy") {
    return object::s3Error(Code::kInvalidArgument, "MalformedACLError", "expected AccessControlPolicy");
  }
  bool is_public = false;
  if (const XmlElement* list = doc.child("AccessControlList")) {
    for (const XmlElement* grant : list->childrenNamed("Grant")) {
      const XmlElement* grantee = grant->child("Grantee");
      const XmlElement* perm = grant->child("Permission");
      const XmlElement* uri = grantee ? grantee->child("URI") : nullptr;
      if (uri && uri->text == kAllUsers && perm) {
        if (perm->text == "READ" || perm->text == "FULL_CONTROL") is_public = true;
        if (perm->text != "READ") {
          return object::s3Error(Code::kNotSupported, "NotImplemented",
                                 "only READ may be granted to AllUsers");
        }
      }
    }
  }
  return is_public;
}

Status checkAnonymousBucketRead(S3Request& req) {
  auto bucket = req.deps.objects.headBucket(req.workspace, req.bucket);
  if (!bucket.ok()) return bucket.status();
  if (!bucket->is_public) {
    return object::s3Error(Code::kPermissionDenied, "AccessDenied", "access denied");
  }
  return Status::OK();
}

Status listBuckets(S3Request& req) {
  if (req.anonymous) {
    return object::s3Error(Code::kPermissionDenied, "AccessDenied",
                           "listing buckets needs a signed request");
  }
  ASSIGN_OR_RETURN(auto buckets, req.deps.objects.listBuckets(req.workspace));
  XmlWriter w("ListAllMyBucketsResult");
  w.open("Owner");
  w.leaf("ID", req.workspace);
  w.leaf("DisplayName", req.workspace);
  w.close();
  w.open("Buckets");
  for (const auto& b : buckets) {
    w.open("Bucket");
    w.leaf("Name", b.name);
    w.leaf("CreationDate", isoDate(b.created_ns));
    w.close();
  }
  return sendXml(req, w.finish());
}

Status createBucket(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  ASSIGN_OR_RETURN(auto canned, cannedAcl(req));
  // An optional CreateBucketConfiguration (LocationConstraint) is accepted and ignored:
  // every bucket lives where this server keeps its data.
  ASSIGN_OR_RETURN(std::string body, readSmallBody(req, kSmallXmlLimit));
  if (!body.empty()) RETURN_IF_ERROR(parseXml(body).status());
  RETURN_IF_ERROR(req.deps.objects.createBucket(req.workspace, req.bucket, canned.value_or(false)));
  return req.ex.send(200, {{"Location", "/" + req.bucket}, {"x-amz-request-id", req.request_id}}, "");
}

Status headBucket(S3Request& req) {
  if (req.anonymous) RETURN_IF_ERROR(checkAnonymousBucketRead(req));
  RETURN_IF_ERROR(req.deps.objects.headBucket(req.workspace, req.bucket).status());
  return req.ex.send(200, {{"x-amz-bucket-region", req.options.region},
                           {"x-amz-request-id", req.request_id}},
                     "");
}

Status deleteBucket(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  RETURN_IF_ERROR(req.deps.objects.deleteBucket(req.workspace, req.bucket));
  return req.ex.send(204, {{"x-amz-request-id", req.request_id}}, "");
}

Status getBucketLocation(S3Request& req) {
  if (req.anonymous) RETURN_IF_ERROR(checkAnonymousBucketRead(req));
  RETURN_IF_ERROR(req.deps.objects.headBucket(req.workspace, req.bucket).status());
  // us-east-1 is reported as an empty constraint, as S3 does.
  std::string region = req.options.region == "us-east-1" ? "" : req.options.region;
  return sendXml(req, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint "
                      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
                          xmlEscape(region) + "</LocationConstraint>");
}

Status getBucketVersioning(S3Request& req) {
  if (req.anonymous) RETURN_IF_ERROR(checkAnonymousBucketRead(req));
  RETURN_IF_ERROR(req.deps.objects.headBucket(req.workspace, req.bucket).status());
  XmlWriter w("VersioningConfiguration");
  return sendXml(req, w.finish());
}

Status getBucketAcl(S3Request& req) {
  if (req.anonymous) {
    return object::s3Error(Code::kPermissionDenied, "AccessDenied", "reading ACLs needs a signed request");
  }
  ASSIGN_OR_RETURN(auto bucket, req.deps.objects.headBucket(req.workspace, req.bucket));
  return sendXml(req, aclXml(req.workspace, bucket.is_public));
}

Status putBucketAcl(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  RETURN_IF_ERROR(req.deps.objects.headBucket(req.workspace, req.bucket).status());
  ASSIGN_OR_RETURN(bool is_public, requestedPublic(req));
  RETURN_IF_ERROR(req.deps.objects.setBucketPublic(req.workspace, req.bucket, is_public));
  return req.ex.send(200, {{"x-amz-request-id", req.request_id}}, "");
}

Status getObjectAcl(S3Request& req) {
  if (req.anonymous) {
    return object::s3Error(Code::kPermissionDenied, "AccessDenied", "reading ACLs needs a signed request");
  }
  ASSIGN_OR_RETURN(auto info, req.deps.objects.headObject(req.workspace, req.bucket, req.key));
  return sendXml(req, aclXml(req.workspace, info.attrs.is_public));
}

Status putObjectAcl(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  RETURN_IF_ERROR(req.deps.objects.headObject(req.workspace, req.bucket, req.key).status());
  ASSIGN_OR_RETURN(bool is_public, requestedPublic(req));
  RETURN_IF_ERROR(req.deps.objects.setObjectPublic(req.workspace, req.bucket, req.key, is_public));
  return req.ex.send(200, {{"x-amz-request-id", req.request_id}}, "");
}

Status deleteObjects(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  RETURN_IF_ERROR(req.deps.objects.headBucket(req.workspace, req.bucket).status());
  ASSIGN_OR_RETURN(std::string body, readSmallBody(req, 2 * kSmallXmlLimit));
  ASSIGN_OR_RETURN(XmlElement doc, parseXml(body));
  auto objects = doc.childrenNamed("Object");
  if (doc.name != "Delete" || objects.empty() || objects.size() > kMaxDeleteKeys) {
    return object::s3Error(Code::kInvalidArgument, "MalformedXML",
                           "expected <Delete> with 1 to 1000 <Object> elements");
  }
  std::vector<std::string> keys;
  for (const XmlElement* o : objects) {
    const XmlElement* key = o->child("Key");
    if (key == nullptr) {
      return object::s3Error(Code::kInvalidArgument, "MalformedXML", "<Object> without <Key>");
    }
    keys.push_back(key->text);
  }
  const XmlElement* quiet = doc.child("Quiet");
  const bool is_quiet = quiet && quiet->text == "true";
  XmlWriter w("DeleteResult");
  for (const auto& key : keys) {
    Status st = req.deps.objects.deleteObject(req.workspace, req.bucket, key);
    if (st.ok()) {
      if (is_quiet) continue;
      w.open("Deleted");
      w.leaf("Key", key);
      w.close();
    } else {
      S3ErrorInfo e = s3ErrorOf(st);
      w.open("Error");
      w.leaf("Key", key);
      w.leaf("Code", e.code);
      w.leaf("Message", e.message);
      w.close();
    }
  }
  return sendXml(req, w.finish());
}

}  // namespace strata::server::s3
