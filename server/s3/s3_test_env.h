// Test fixture for server/s3: a real engine, blob store, chunk layer and object service, a
// credential store, and an S3 server on 127.0.0.1:0; plus a client that signs requests with
// SigV4 the way SDKs do. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "object/object_test_env.h"
#include "server/s3/credential_store.h"
#include "server/s3/s3_server.h"
#include "server/s3/sigv4.h"
#include "server/test_http_client.h"

namespace strata::server::s3 {

using testing::HttpResponse;

// The S3 <Code> of an error body ("" when there is none).
inline std::string s3Code(const HttpResponse& r) {
  size_t a = r.body.find("<Code>");
  size_t b = r.body.find("</Code>");
  if (a == std::string::npos || b == std::string::npos) return "";
  return r.body.substr(a + 6, b - a - 6);
}

class S3Test : public object::ObjectTest {
 protected:
  void SetUp() override {
    object::ObjectTest::SetUp();
    creds_ = std::make_unique<CredentialStore>(*engine_, MasterKey::fromBytes(std::string(32, 'k')));
    auto c = creds_->create("default", "", "test", false);
    ASSERT_TRUE(c.ok()) << c.status().toString();
    cred_ = *c;
    S3ServerOptions o;
    o.listen.host = "127.0.0.1";
    o.listen.port = 0;
    auto server = startS3Server(o, S3Deps{*objects_, *creds_});
    ASSERT_TRUE(server.ok()) << server.status().toString();
    server_ = std::move(server).value();
    host_ = "127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    server_.reset();
    creds_.reset();
    object::ObjectTest::TearDown();
  }

  // Signs like an SDK: x-amz-date, x-amz-content-sha256 (the body's hash unless given) and
  // every header in `headers` plus host.
  std::map<std::string, std::string> signedHeaders(const std::string& method,
                                                   const std::string& target,
                                                   const std::string& body,
                                                   std::map<std::string, std::string> headers,
                                                   int64_t at = 0) {
    const std::string date = formatAmzDate(at ? at : nowUnix());
    headers["host"] = headers.count("host") ? headers["host"] : host_;
    headers["x-amz-date"] = date;
    if (!headers.count("x-amz-content-sha256")) headers["x-amz-content-sha256"] = sha256Hex(body);
    std::vector<std::string> names;
    for (const auto& [k, v] : headers) names.push_back(k);
    size_t q = target.find('?');
    std::string path = target.substr(0, q);
    std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    auto canonical = canonicalRequest(
        method, path, query, false, names,
        [&](std::string_view n) -> std::optional<std::string_view> {
          auto it = headers.find(std::string(n));
          if (it == headers.end()) return std::nullopt;
          return std::string_view(it->second);
        },
        headers["x-amz-content-sha256"]);
    EXPECT_TRUE(canonical.ok());
    CredentialScope scope{cred_.info.access_key_id, date.substr(0, 8), "us-east-1", "s3"};
    last_signing_key_ = signingKey(cred_.secret, scope);
    last_signature_ = signatureOf(last_signing_key_, stringToSign(date, scope, *canonical));
    last_scope_ = scope;
    last_date_ = date;
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : ";") + n;
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=" + cred_.info.access_key_id + "/" +
                               scope.scope() + ", SignedHeaders=" + joined +
                               ", Signature=" + last_signature_;
    return headers;
  }

  HttpResponse s3(const std::string& method, const std::string& target,
                  const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    testing::TestClient client(server_->port());
    return client.request(method, target, body, signedHeaders(method, target, body, headers));
  }

  HttpResponse anon(const std::string& method, const std::string& target,
                    const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    testing::TestClient client(server_->port());
    return client.request(method, target, body, headers);
  }

  // A presigned URL target for GET of `path`, valid `expires` seconds from `at`.
  std::string presign(const std::string& path, int64_t expires, int64_t at = 0) {
    const std::string date = formatAmzDate(at ? at : nowUnix());
    CredentialScope scope{cred_.info.access_key_id, date.substr(0, 8), "us-east-1", "s3"};
    std::string query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                        awsUriEncode(cred_.info.access_key_id + "/" + scope.scope(), false) +
                        "&X-Amz-Date=" + date + "&X-Amz-Expires=" + std::to_string(expires) +
                        "&X-Amz-SignedHeaders=host";
    auto canonical = canonicalRequest(
        "GET", path, query, true, {"host"},
        [&](std::string_view) -> std::optional<std::string_view> { return host_; },
        kUnsignedPayload);
    EXPECT_TRUE(canonical.ok());
    std::string sig = signatureOf(signingKey(cred_.secret, scope), stringToSign(date, scope, *canonical));
    return path + "?" + query + "&X-Amz-Signature=" + sig;
  }

  std::unique_ptr<CredentialStore> creds_;
  S3Credential cred_;
  std::unique_ptr<S3Server> server_;
  std::string host_;
  std::string last_signing_key_;
  std::string last_signature_;
  std::string last_date_;
  CredentialScope last_scope_;
};

}  // namespace strata::server::s3
