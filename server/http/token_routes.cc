// Token administration (admin tokens only) and whoami (any token). docs/api.md "Tokens".
#include "server/auth/token_store.h"
#include "server/s3/credential_store.h"
#include "server/http/json_io.h"
#include "server/http/routes.h"

namespace strata::server::http {
namespace {

using nlohmann::json;

json tokenJson(const auth::TokenInfo& t) {
  return {{"id", t.id},       {"name", t.name},           {"read_only", t.read_only},
          {"admin", t.admin}, {"created_unix", t.created_unix}};
}

}  // namespace

void addTokenRoutes(Router& router, auth::TokenStore& tokens, s3::CredentialStore& s3) {
  router.add("POST", "/api/v1/tokens", "tokens.create", Access::kAdmin, kJsonBodyLimit,
             [&tokens, &s3](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(std::string name, requiredString(req, "name"));
               ASSIGN_OR_RETURN(bool read_only, optionalBool(req, "read_only", false));
               ASSIGN_OR_RETURN(bool admin, optionalBool(req, "admin", false));
               ASSIGN_OR_RETURN(bool with_s3, optionalBool(req, "s3", false));
               ASSIGN_OR_RETURN(auto made, tokens.create(call.workspace(), name, read_only, admin));
               json out = tokenJson(made.info);
               out["token"] = made.token;
               if (with_s3) {
                 auto cred = s3.create(call.workspace(), made.info.id, name, read_only);
                 if (!cred.ok()) {
                   // No half-made credential: the token goes too.
                   tokens.revoke(call.workspace(), made.info.id).ignoreError();
                   return cred.status();
                 }
                 out["access_key_id"] = cred->info.access_key_id;
                 out["secret_access_key"] = cred->secret;
               }
               return replyJson(call, 201, out);
             });
  router.add("GET", "/api/v1/tokens", "tokens.list", Access::kAdmin, kNoBody,
             [&tokens](Call& call) -> Status {
               ASSIGN_OR_RETURN(auto all, tokens.list(call.workspace()));
               json list = json::array();
               for (const auto& t : all) list.push_back(tokenJson(t));
               return replyJson(call, 200, {{"tokens", list}});
             });
  router.add("DELETE", "/api/v1/tokens/{id}", "tokens.revoke", Access::kAdmin, kNoBody,
             [&tokens, &s3](Call& call) -> Status {
               RETURN_IF_ERROR(tokens.revoke(call.workspace(), call.param("id")));
               // Its S3 credential, if it has one, is revoked with it.
               Status s = s3.revoke(call.workspace(), call.param("id"));
               if (!s.ok() && s.code() != Code::kNotFound) return s;
               return replyJson(call, 200, {{"revoked", true}, {"id", call.param("id")}});
             });
  router.add("GET", "/api/v1/whoami", "whoami", Access::kRead, kNoBody, [](Call& call) {
    const auth::Principal& p = call.principal();
    return replyJson(call, 200,
                     {{"id", p.token_id}, {"name", p.name}, {"workspace", p.workspace},
                      {"read_only", p.read_only}, {"admin", p.admin}});
  });
}

}  // namespace strata::server::http
