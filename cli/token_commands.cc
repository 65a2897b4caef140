// `strata token create|list|revoke`: API tokens of the workspace (admin token required).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/registry.h"

namespace strata::cli {
namespace {

using nlohmann::json;

json tokenJson(const client::Token& t) {
  json j = {{"id", t.id}, {"name", t.name}, {"read_only", t.read_only}, {"admin", t.admin},
            {"created_unix", t.created_unix}};
  if (!t.token.empty()) j["token"] = t.token;
  if (!t.access_key_id.empty()) {
    j["access_key_id"] = t.access_key_id;
    j["secret_access_key"] = t.secret_access_key;
  }
  return j;
}


}  // namespace

void registerTokenCommands(CLI::App& app) {
  auto json_out = std::make_shared<bool>(false);
  auto* token = app.add_subcommand("token", "Create, list and revoke API tokens (needs an admin token)");
  token->require_subcommand(1);
  token->add_flag("--json", *json_out, "print machine-readable JSON on stdout");

  struct CreateArgs {
    std::string name;
    bool read_only = false;
    bool admin = false;
    bool s3 = false;
  };
  auto create_args = std::make_shared<CreateArgs>();
  auto* create = token->add_subcommand("create", "Create a token and print its text (shown only once)");
  create->add_option("--name", create_args->name, "a name to recognize the token by");
  create->add_flag("--read-only", create_args->read_only, "the token may only read");
  create->add_flag("--admin", create_args->admin, "the token may manage tokens and file systems");
  create->add_flag("--s3", create_args->s3,
                   "also make an S3 credential (prints access_key_id and secret_access_key for S3 clients)");
  create->add_flag("--json", *json_out, "print the whole token record as JSON");
  create->callback([create_args, json_out] {
    runCommand([&]() -> Status {
      if (create_args->read_only && create_args->admin) {
        return invalidArgument("--read-only and --admin cannot be combined");
      }
      ASSIGN_OR_RETURN(auto client, connect());
      ASSIGN_OR_RETURN(client::Token t, client->createToken(create_args->name, create_args->read_only,
                                                            create_args->admin, create_args->s3));
      if (*json_out) {
        printJson(tokenJson(t));
      } else if (create_args->s3) {
        std::printf("token: %s\naccess_key_id: %s\nsecret_access_key: %s\n", t.token.c_str(),
                    t.access_key_id.c_str(), t.secret_access_key.c_str());
      } else {
        std::printf("%s\n", t.token.c_str());
      }
      return Status::OK();
    });
  });

  auto* list = token->add_subcommand("list", "List tokens (never their secrets)");
  list->add_flag("--json", *json_out, "print machine-readable JSON on stdout");
  list->callback([json_out] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto client, connect());
      ASSIGN_OR_RETURN(auto tokens, client->listTokens());
      if (*json_out) {
        json arr = json::array();
        for (const auto& t : tokens) arr.push_back(tokenJson(t));
        printJson({{"tokens", std::move(arr)}});
        return Status::OK();
      }
      std::printf("%-16s  %-20s  %-10s  %s\n", "ID", "NAME", "ACCESS", "CREATED");
      for (const auto& t : tokens) {
        const time_t created = static_cast<time_t>(t.created_unix);
        tm local{};
        localtime_r(&created, &local);
        char when[32];
        std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &local);
        const char* access = t.admin ? "admin" : t.read_only ? "read-only" : "read-write";
        std::printf("%-16s  %-20s  %-10s  %s\n", t.id.c_str(), t.name.c_str(), access, when);
      }
      return Status::OK();
    });
  });

  auto revoke_id = std::make_shared<std::string>();
  auto* revoke = token->add_subcommand("revoke", "Revoke a token: it is refused from the next request on");
  revoke->add_option("id", *revoke_id, "token id (see `strata token list`)")->required();
  revoke->add_flag("--json", *json_out, "print machine-readable JSON on stdout");
  revoke->callback([revoke_id, json_out] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto client, connect());
      RETURN_IF_ERROR(client->revokeToken(*revoke_id));
      if (*json_out) printJson({{"id", *revoke_id}, {"revoked", true}});
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
