// `strata kv ns create|ls|rm`, `strata kv put|get|rm|ls`: the key-value store from the shell.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/registry.h"
#include "client/kv_calls.h"

namespace strata::cli {
namespace {

using nlohmann::json;


struct KvArgs {
  std::string ns;
  std::string key;
  std::string value;
  bool value_given = false;
  int64_t ttl = 0;
  std::string prefix;
  bool json = false;
};

}  // namespace

void registerKvCommands(CLI::App& app) {
  auto a = std::make_shared<KvArgs>();
  auto* kv = app.add_subcommand("kv", "Key-value store: namespaces of keys (<= 32 KiB) and values (<= 256 KiB)");
  kv->require_subcommand(1);
  kv->add_flag("--json", a->json, "print machine-readable JSON on stdout");

  auto* ns = kv->add_subcommand("ns", "Create, list and delete namespaces");
  ns->require_subcommand(1);
  auto* ns_create = ns->add_subcommand("create", "Create a namespace");
  ns_create->add_option("name", a->ns, "namespace name ([A-Za-z0-9._-], up to 128)")->required();
  ns_create->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      RETURN_IF_ERROR(client::kvCreateNamespace(*c, a->ns));
      if (a->json) printJson({{"name", a->ns}, {"created", true}});
      return Status::OK();
    });
  });
  auto* ns_ls = ns->add_subcommand("ls", "List namespaces");
  ns_ls->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  ns_ls->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      ASSIGN_OR_RETURN(auto all, client::kvListNamespaces(*c));
      if (a->json) {
        json list = json::array();
        for (const auto& n : all) list.push_back({{"name", n.name}, {"created_unix", n.created_unix}});
        printJson({{"namespaces", list}});
        return Status::OK();
      }
      for (const auto& n : all) std::printf("%s\n", n.name.c_str());
      return Status::OK();
    });
  });
  auto* ns_rm = ns->add_subcommand("rm", "Delete a namespace and all its keys");
  ns_rm->add_option("name", a->ns, "namespace name")->required();
  ns_rm->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      return client::kvDeleteNamespace(*c, a->ns);
    });
  });

  auto* put = kv->add_subcommand("put", "Set KEY to VALUE (or to standard input when VALUE is '-' or omitted)");
  put->add_option("namespace", a->ns, "namespace")->required();
  put->add_option("key", a->key, "key")->required();
  put->add_option("value", a->value, "value, or '-' for standard input")->each([a](const std::string&) { a->value_given = true; });
  put->add_option("--ttl", a->ttl, "expire after this many seconds")->check(CLI::Range(int64_t{1}, int64_t{2147483647}));
  put->callback([a] {
    runCommand([&]() -> Status {
      std::string value = (!a->value_given || a->value == "-") ? readStdin() : a->value;
      ASSIGN_OR_RETURN(auto c, connect());
      std::optional<int64_t> ttl;
      if (a->ttl > 0) ttl = a->ttl;
      return client::kvPut(*c, a->ns, a->key, value, ttl);
    });
  });

  auto* get = kv->add_subcommand("get", "Print the value of KEY (exit 1 when it does not exist)");
  get->add_option("namespace", a->ns, "namespace")->required();
  get->add_option("key", a->key, "key")->required();
  get->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      ASSIGN_OR_RETURN(auto value, client::kvGet(*c, a->ns, a->key));
      if (!value) return notFound("no such key: ", a->key);
      std::fwrite(value->data(), 1, value->size(), stdout);
      if (::isatty(STDOUT_FILENO) && (value->empty() || value->back() != '\n')) std::fputc('\n', stdout);
      return Status::OK();
    });
  });

  auto* rm = kv->add_subcommand("rm", "Delete KEY");
  rm->add_option("namespace", a->ns, "namespace")->required();
  rm->add_option("key", a->key, "key")->required();
  rm->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      ASSIGN_OR_RETURN(bool existed, client::kvDelete(*c, a->ns, a->key));
      if (a->json) printJson({{"deleted", existed}});
      return Status::OK();
    });
  });

  auto* ls = kv->add_subcommand("ls", "List the keys of a namespace, in byte order");
  ls->add_option("namespace", a->ns, "namespace")->required();
  ls->add_option("--prefix", a->prefix, "only keys starting with this");
  ls->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  ls->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      std::string cursor;
      json all = json::array();
      do {
        ASSIGN_OR_RETURN(auto page, client::kvList(*c, a->ns, a->prefix, cursor, 1000));
        for (const auto& k : page.keys) {
          if (a->json) {
            all.push_back(k);
          } else {
            std::printf("%s\n", k.c_str());
          }
        }
        cursor = page.next_cursor;
      } while (!cursor.empty());
      if (a->json) printJson({{"keys", all}});
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
