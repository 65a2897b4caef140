// The S3 endpoint: the S3 REST protocol on its own HTTP listener (`strata server --s3-listen`),
// over the object service. Path-style (/bucket/key) and virtual-host-style
// (Host: bucket.s3.localhost) addressing; SigV4 header and presigned-query authentication
// against S3 credentials (credential_store.h); anonymous GET/HEAD/list of public buckets and
// objects; S3 XML errors. Supported operations and their limits: docs/s3.md.
//
// Thread-safety: start/stop from one thread; requests are served on the listener's
// connection threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/http/listener.h"

namespace strata::object {
class ObjectService;
}

namespace strata::server::s3 {

class CredentialStore;

struct S3ServerOptions {
  http::ListenerOptions listen;
  // Host names under which buckets are addressed virtual-host style: a request for
  // "photos.s3.localhost:9000" names bucket "photos". Others are path-style.
  std::vector<std::string> virtual_host_suffixes = {"s3.localhost"};
  // The workspace anonymous requests (public reads) address.
  std::string anonymous_workspace = "default";
  // The region reported by GetBucketLocation (signatures for any region are accepted).
  std::string region = "us-east-1";
  int64_t max_clock_skew_seconds = 900;
};

struct S3Deps {
  object::ObjectService& objects;
  CredentialStore& credentials;
};

class S3Server {
 public:
  virtual ~S3Server() = default;
  virtual uint16_t port() const = 0;
  // Stops accepting and waits for requests in flight (see http::Listener::stop).
  virtual void stop() = 0;
};

// Binds and starts serving. `deps` must outlive the server.
Result<std::unique_ptr<S3Server>> startS3Server(const S3ServerOptions& options, S3Deps deps);

// Serves one S3 request on `ex` (what the listener calls; exposed for in-process tests).
void serveS3Request(const S3ServerOptions& options, S3Deps deps, http::Exchange& ex);

}  // namespace strata::server::s3
