// REST routes of the object storage (docs/api-object.md): buckets, objects streamed in and
// out, listings, and temporary URLs served by the S3 endpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace strata::object {
class ObjectService;
}
namespace strata::server::s3 {
class CredentialStore;
}

namespace strata::server::http {

class Router;

// Where the S3 endpoint of this server listens, as temporary URLs must name it. `listen` is
// the --s3-listen text ("HOST:PORT"); `port` the bound port (0 while S3 is not running).
struct S3Endpoint {
  std::string listen;
  uint16_t port = 0;
};

// /api/v1/object... `s3_endpoint` is asked on every URL request (the S3 listener starts after
// the routes are added, and its port is only known then). `credentials` holds the internal
// read-only credential per workspace that signs presigned URLs.
void addObjectRoutes(Router& router, object::ObjectService& objects, s3::CredentialStore& credentials,
                     std::function<S3Endpoint()> s3_endpoint);

}  // namespace strata::server::http
