#include "server/auth/token_store.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace strata::server::auth {
namespace {

using nlohmann::json;

// Key layout (docs/tokens.md). Workspace names never contain '/', token ids are fixed-width hex.
std::string idKey(std::string_view id) { return "auth/id/" + std::string(id); }
std::string wsPrefix(std::string_view ws) { return "auth/ws/" + std::string(ws) + "/token/"; }
std::string tokenKey(std::string_view ws, std::string_view id) { return wsPrefix(ws) + std::string(id); }
std::string bootstrapKey(std::string_view ws) { return "auth/ws/" + std::string(ws) + "/bootstrap"; }

const Status& rejected() {
  static const Status kRejected = unauthenticated("missing, invalid or revoked token");
  return kRejected;
}

std::string encodeRecord(const TokenInfo& info, const Digest& hash) {
  json j = {{"name", info.name},           {"hash", hash.hex()},   {"read_only", info.read_only},
            {"admin", info.admin},         {"created_unix", info.created_unix}};
  return j.dump();
}

struct Record {
  TokenInfo info;
  Digest hash;
};

Result<Record> decodeRecord(std::string_view ws, std::string_view id, std::string_view value) {
  json j = json::parse(value, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corruption("token record ", id, " is not JSON");
  try {
    Record r;
    r.info.id = std::string(id);
    r.info.workspace = std::string(ws);
    r.info.name = j.at("name").get<std::string>();
    r.info.read_only = j.at("read_only").get<bool>();
    r.info.admin = j.at("admin").get<bool>();
    r.info.created_unix = j.at("created_unix").get<int64_t>();
    ASSIGN_OR_RETURN(r.hash, Digest::fromHex(j.at("hash").get<std::string>()));
    return r;
  } catch (const json::exception& e) {
    return corruption("token record ", id, ": ", e.what());
  }
}

Status validateName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return invalidArgument("token name must be 1 to 128 bytes");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return invalidArgument("token name contains a control character");
  }
  return Status::OK();
}

}  // namespace

Result<NewToken> TokenStore::mint(std::string_view workspace, std::string_view name,
                                  bool read_only, bool admin) {
  RETURN_IF_ERROR(validateName(name));
  if (admin && read_only) return invalidArgument("an admin token cannot be read-only");
  TokenText text = generateToken();
  NewToken out;
  out.info.id = text.id;
  out.info.name = std::string(name);
  out.info.workspace = std::string(workspace);
  out.info.read_only = read_only;
  out.info.admin = admin;
  out.info.created_unix = nowUnix();
  out.token = formatToken(text);
  return out;
}

Status TokenStore::insert(db::Transaction& txn, const NewToken& token) {
  ASSIGN_OR_RETURN(TokenText text, parseToken(token.token));
  // 64 random bits make a collision absurdly unlikely; checking keeps it impossible.
  ASSIGN_OR_RETURN(auto existing, txn.get(idKey(text.id)));
  if (existing) return alreadyExists("token id collision, retry");
  RETURN_IF_ERROR(txn.put(idKey(text.id), token.info.workspace));
  return txn.put(tokenKey(token.info.workspace, text.id),
                 encodeRecord(token.info, hashSecret(text.secret)));
}

Result<NewToken> TokenStore::create(std::string_view workspace, std::string_view name,
                                    bool read_only, bool admin) {
  ASSIGN_OR_RETURN(NewToken token, mint(workspace, name, read_only, admin));
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) { return insert(txn, token); }));
  return token;
}

Status TokenStore::insertBootstrapAdmin(const NewToken& token) {
  return engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto marker, txn.get(bootstrapKey(token.info.workspace)));
    if (marker) return alreadyExists("workspace ", token.info.workspace, " already has its admin token");
    RETURN_IF_ERROR(insert(txn, token));
    return txn.put(bootstrapKey(token.info.workspace), token.info.id);
  });
}

Result<bool> TokenStore::bootstrapped(std::string_view workspace) {
  ASSIGN_OR_RETURN(auto marker, engine_.get(bootstrapKey(workspace)));
  return marker.has_value();
}

Result<std::vector<TokenInfo>> TokenStore::list(std::string_view workspace) {
  std::vector<TokenInfo> out;
  std::string prefix = wsPrefix(workspace);
  std::string end = db::prefixEnd(prefix);
  std::string begin = prefix;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, engine_.scan(begin, end, db::ScanOptions{.limit = 1000}));
    for (const auto& kv : page) {
      std::string_view id = std::string_view(kv.key).substr(prefix.size());
      ASSIGN_OR_RETURN(Record r, decodeRecord(workspace, id, kv.value));
      out.push_back(std::move(r.info));
    }
    if (page.size() < 1000) break;
    begin = page.back().key + '\0';
  }
  return out;
}

Status TokenStore::revoke(std::string_view workspace, std::string_view id) {
  return engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto record, txn.get(tokenKey(workspace, id)));
    if (!record) return notFound("no such token: ", id);
    RETURN_IF_ERROR(txn.del(tokenKey(workspace, id)));
    return txn.del(idKey(id));
  });
}

Result<Principal> TokenStore::authenticateHeader(std::optional<std::string_view> header) {
  if (!header) return unauthenticated("missing Authorization: Bearer token");
  std::string_view value = *header;
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size()) return rejected();
  for (size_t i = 0; i < kScheme.size(); ++i) {  // the scheme is case-insensitive (RFC 7235)
    if (std::tolower(static_cast<unsigned char>(value[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return rejected();
    }
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return authenticate(value);
}

Result<Principal> TokenStore::authenticate(std::string_view token_text) {
  auto text = parseToken(token_text);
  if (!text.ok()) return rejected();
  // Fresh reads of committed state: no cache, so revocation takes effect immediately.
  ASSIGN_OR_RETURN(auto ws, engine_.get(idKey(text->id)));
  if (!ws) return rejected();
  ASSIGN_OR_RETURN(auto value, engine_.get(tokenKey(*ws, text->id)));
  if (!value) return rejected();
  ASSIGN_OR_RETURN(Record record, decodeRecord(*ws, text->id, *value));
  if (!digestsEqual(record.hash, hashSecret(text->secret))) return rejected();
  return Principal{record.info.id, record.info.name, record.info.workspace,
                   record.info.read_only, record.info.admin};
}

}  // namespace strata::server::auth
