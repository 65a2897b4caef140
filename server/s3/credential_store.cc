#include "server/s3/credential_store.h"

#include "common/bytes.h"
#include "common/clock.h"
#include "common/random.h"
#include "fs/keys.h"
#include "fs/scan.h"

namespace strata::server::s3 {
namespace {

constexpr char kVersion = 1;

std::string recordKey(std::string_view id) { return "s3c/" + std::string(id); }
std::string indexPrefix(std::string_view ws) { return "w/" + std::string(ws) + "/s3k/"; }
std::string associated(std::string_view id, std::string_view ws) {
  return std::string(id) + "\n" + std::string(ws);
}

void putStr(std::string& out, std::string_view s) {
  appendU32BE(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

bool takeStr(std::string_view& in, std::string& out) {
  if (in.size() < 4) return false;
  uint32_t n = readU32BE(in);
  in.remove_prefix(4);
  if (in.size() < n) return false;
  out = std::string(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

struct Record {
  S3CredentialInfo info;
  std::string sealed;
};

std::string encode(const Record& r) {
  std::string out(1, kVersion);
  putStr(out, r.info.workspace);
  out.push_back(r.info.read_only ? 1 : 0);
  appendU64BE(out, static_cast<uint64_t>(r.info.created_unix));
  putStr(out, r.info.name);
  putStr(out, r.sealed);
  return out;
}

Result<Record> decode(std::string_view id, std::string_view v) {
  Record r;
  r.info.access_key_id = std::string(id);
  bool ok = !v.empty() && v[0] == kVersion;
  if (ok) v.remove_prefix(1);
  ok = ok && takeStr(v, r.info.workspace) && v.size() >= 9;
  if (ok) {
    r.info.read_only = v[0] != 0;
    r.info.created_unix = static_cast<int64_t>(readU64BE(v.substr(1)));
    v.remove_prefix(9);
  }
  ok = ok && takeStr(v, r.info.name) && takeStr(v, r.sealed) && v.empty();
  if (!ok) return corruption("malformed S3 credential record ", id);
  return r;
}

Status validateId(std::string_view id) {
  bool ok = id.size() >= 3 && id.size() <= 128;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_');
  }
  if (!ok) return invalidArgument("bad access key id: use 3-128 of [A-Za-z0-9_-]");
  return Status::OK();
}

// Random characters from `alphabet` (rejection sampling keeps them uniform).
std::string randomChars(size_t n, std::string_view alphabet) {
  std::string out;
  while (out.size() < n) {
    for (unsigned char b : randomBytes(n)) {
      if (b < 256 - 256 % alphabet.size() && out.size() < n) out.push_back(alphabet[b % alphabet.size()]);
    }
  }
  return out;
}

}  // namespace

Result<S3Credential> CredentialStore::create(std::string_view workspace,
                                             std::string_view access_key_id,
                                             std::string_view name, bool read_only) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", workspace));
  if (name.size() > 128) return invalidArgument("credential name is over 128 bytes");
  S3Credential cred;
  cred.info.access_key_id =
      access_key_id.empty() ? "SK" + randomChars(18, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                            : std::string(access_key_id);
  RETURN_IF_ERROR(validateId(cred.info.access_key_id));
  cred.info.workspace = std::string(workspace);
  cred.info.name = std::string(name);
  cred.info.read_only = read_only;
  cred.info.created_unix = nowUnix();
  cred.secret = randomChars(
      40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  ASSIGN_OR_RETURN(std::string sealed,
                   key_.seal(cred.secret, associated(cred.info.access_key_id, workspace)));
  Record rec{cred.info, sealed};
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto existing, txn.get(recordKey(cred.info.access_key_id)));
    if (existing) return alreadyExists("access key id is taken: ", cred.info.access_key_id);
    RETURN_IF_ERROR(txn.put(recordKey(cred.info.access_key_id), encode(rec)));
    return txn.put(indexPrefix(workspace) + cred.info.access_key_id, std::string(1, kVersion));
  }));
  return cred;
}

Result<S3Credential> CredentialStore::lookup(std::string_view access_key_id) {
  if (!validateId(access_key_id).ok()) return notFound("unknown access key id");
  ASSIGN_OR_RETURN(auto val, engine_.get(recordKey(access_key_id)));
  if (!val) return notFound("unknown access key id");
  ASSIGN_OR_RETURN(Record rec, decode(access_key_id, *val));
  S3Credential cred;
  cred.info = rec.info;
  ASSIGN_OR_RETURN(cred.secret, key_.open(rec.sealed, associated(access_key_id, rec.info.workspace)));
  return cred;
}

Result<std::vector<S3CredentialInfo>> CredentialStore::list(std::string_view workspace) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", workspace));
  const std::string prefix = indexPrefix(workspace);
  std::vector<S3CredentialInfo> out;
  RETURN_IF_ERROR(fs::scanPrefix(engine_, prefix, [&](const db::KeyValue& kv) -> Result<bool> {
    std::string id = kv.key.substr(prefix.size());
    ASSIGN_OR_RETURN(auto val, engine_.get(recordKey(id)));
    if (val) {
      ASSIGN_OR_RETURN(Record rec, decode(id, *val));
      out.push_back(rec.info);
    }
    return true;
  }));
  return out;
}

Status CredentialStore::revoke(std::string_view workspace, std::string_view access_key_id) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", workspace));
  return engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto val, txn.get(recordKey(access_key_id)));
    if (!val) return notFound("no such S3 credential: ", access_key_id);
    ASSIGN_OR_RETURN(Record rec, decode(access_key_id, *val));
    if (rec.info.workspace != workspace) return notFound("no such S3 credential: ", access_key_id);
    RETURN_IF_ERROR(txn.del(recordKey(access_key_id)));
    return txn.del(indexPrefix(workspace) + std::string(access_key_id));
  });
}

}  // namespace strata::server::s3
