// CredentialStore: S3 access keys of every workspace, in db::Engine (docs/s3.md "Credentials").
//
// SigV4 needs the secret in clear to recompute a signature, so unlike API tokens (stored as
// SHA-256) the secret is stored sealed with the server master key (AES-256-GCM, master_key.h):
//   s3c/<access key id>           -> 01 | str workspace | u8 read_only | i64 created_unix |
//                                    str name | str sealed secret
//   w/<ws>/s3k/<access key id>    -> 01   (index for listing a workspace's keys)
// The sealed secret's associated data is "<access key id>\n<workspace>", so a record copied
// under another id or workspace does not open. lookup() reads the engine's latest state on
// every call: a revoked key is refused by the next request.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/engine.h"
#include "server/s3/master_key.h"

namespace strata::server::s3 {

struct S3CredentialInfo {
  std::string access_key_id;
  std::string workspace;
  std::string name;
  bool read_only = false;
  int64_t created_unix = 0;
};

struct S3Credential {
  S3CredentialInfo info;
  std::string secret;  // 40 characters, shown once at creation
};

class CredentialStore {
 public:
  CredentialStore(db::Engine& engine, MasterKey key) : engine_(engine), key_(std::move(key)) {}

  // Makes a credential. `access_key_id` may name it (e.g. the id of the Strata token it
  // belongs to: [A-Za-z0-9_-]{3,128}); "" generates one ("SK" + 18 characters). kAlreadyExists
  // when the id is taken.
  Result<S3Credential> create(std::string_view workspace, std::string_view access_key_id,
                              std::string_view name, bool read_only);
  // The credential with its secret; kNotFound for an unknown or revoked id.
  Result<S3Credential> lookup(std::string_view access_key_id);
  Result<std::vector<S3CredentialInfo>> list(std::string_view workspace);
  // kNotFound when `access_key_id` is not a credential of `workspace`.
  Status revoke(std::string_view workspace, std::string_view access_key_id);

 private:
  db::Engine& engine_;
  const MasterKey key_;
};

}  // namespace strata::server::s3
