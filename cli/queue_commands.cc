// `strata queue create|ls|rm|send|receive|ack|length`: durable FIFO queues from the shell.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/registry.h"
#include "client/queue_calls.h"

namespace strata::cli {
namespace {

using nlohmann::json;


json messageJson(const client::QueueMessage& m) {
  json j = {{"id", m.id}, {"body", m.body}, {"receive_count", m.receive_count}, {"sent_unix_ms", m.sent_unix_ms}};
  if (!m.receipt.empty()) j["receipt"] = m.receipt;
  return j;
}

struct QueueArgs {
  std::string name;
  std::string body;
  bool body_given = false;
  std::string receipt;
  int max = 1;
  int64_t visibility = -1;
  int64_t wait = 0;
  bool delete_now = false;
  int64_t create_visibility = 30;
  uint32_t max_receives = 0;
  std::string dead_letter;
  bool json = false;
};

}  // namespace

void registerQueueCommands(CLI::App& app) {
  auto a = std::make_shared<QueueArgs>();
  auto* q = app.add_subcommand("queue", "Durable FIFO queues: send, receive, ack, length");
  q->require_subcommand(1);
  q->add_flag("--json", a->json, "print machine-readable JSON on stdout");

  auto* create = q->add_subcommand("create", "Create a queue (succeeds when it exists)");
  create->add_option("name", a->name, "queue name ([A-Za-z0-9_-], up to 80)")->required();
  create->add_option("--visibility-timeout", a->create_visibility, "seconds a received message stays hidden (default 30)")
      ->check(CLI::Range(int64_t{0}, int64_t{43200}));
  create->add_option("--max-receives", a->max_receives, "move a message to --dead-letter after this many receives");
  create->add_option("--dead-letter", a->dead_letter, "dead-letter queue (must exist)");
  create->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      return client::queueCreate(*c, a->name, {a->create_visibility, a->max_receives, a->dead_letter});
    });
  });

  auto* ls = q->add_subcommand("ls", "List queues");
  ls->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  ls->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      ASSIGN_OR_RETURN(auto all, client::queueList(*c));
      json list = json::array();
      for (const auto& x : all) {
        if (a->json) {
          list.push_back({{"name", x.name}, {"visibility_timeout_seconds", x.visibility_timeout_seconds},
                          {"max_receives", x.max_receives}, {"dead_letter_queue", x.dead_letter_queue}});
        } else {
          std::printf("%s\n", x.name.c_str());
        }
      }
      if (a->json) printJson({{"queues", list}});
      return Status::OK();
    });
  });

  auto* rm = q->add_subcommand("rm", "Delete a queue and its messages");
  rm->add_option("name", a->name, "queue name")->required();
  rm->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      return client::queueDelete(*c, a->name);
    });
  });

  auto* send = q->add_subcommand("send", "Send BODY (or standard input when BODY is '-' or omitted)");
  send->add_option("name", a->name, "queue name")->required();
  send->add_option("body", a->body, "message body, or '-'")->each([a](const std::string&) { a->body_given = true; });
  send->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  send->callback([a] {
    runCommand([&]() -> Status {
      std::string body = a->body;
      if (!a->body_given || body == "-") body = readStdin();
      ASSIGN_OR_RETURN(auto c, connect());
      ASSIGN_OR_RETURN(auto ids, client::queueSend(*c, a->name, {body}));
      if (a->json) {
        printJson({{"ids", ids}});
      } else {
        std::printf("%s\n", ids.front().c_str());
      }
      return Status::OK();
    });
  });

  auto* receive = q->add_subcommand(
      "receive",
      "Receive messages. Prints 'RECEIPT<TAB>BODY' per message (ack it with `strata queue ack`), or just the "
      "body with --delete (receive-and-delete). Exit 1 when the queue is empty.");
  receive->add_option("name", a->name, "queue name")->required();
  receive->add_option("--max", a->max, "at most this many messages (1-100)")->check(CLI::Range(1, 100));
  receive->add_option("--visibility-timeout", a->visibility, "seconds the messages stay hidden (default: the queue's)")
      ->check(CLI::Range(int64_t{0}, int64_t{43200}));
  receive->add_option("--wait", a->wait, "long-poll up to this many seconds for a message (0-20)")
      ->check(CLI::Range(int64_t{0}, int64_t{20}));
  receive->add_flag("--delete", a->delete_now, "delete on receipt (no ack needed)");
  receive->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  receive->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      std::vector<client::QueueMessage> got;
      if (a->delete_now) {
        for (int i = 0; i < a->max; ++i) {
          ASSIGN_OR_RETURN(auto m, client::queuePop(*c, a->name, i == 0 ? a->wait : 0));
          if (!m) break;
          got.push_back(std::move(*m));
        }
      } else {
        std::optional<int64_t> vis;
        if (a->visibility >= 0) vis = a->visibility;
        ASSIGN_OR_RETURN(got, client::queueReceive(*c, a->name, a->max, vis, a->wait));
      }
      if (a->json) {
        json list = json::array();
        for (const auto& m : got) list.push_back(messageJson(m));
        printJson({{"messages", list}});
        return Status::OK();
      }
      if (got.empty()) return notFound("queue ", a->name, " is empty");
      for (const auto& m : got) {
        if (a->delete_now) {
          std::printf("%s\n", m.body.c_str());
        } else {
          std::printf("%s\t%s\n", m.receipt.c_str(), m.body.c_str());
        }
      }
      return Status::OK();
    });
  });

  auto* ack = q->add_subcommand("ack", "Acknowledge (delete) a received message by its receipt");
  ack->add_option("name", a->name, "queue name")->required();
  ack->add_option("receipt", a->receipt, "receipt printed by `strata queue receive`")->required();
  ack->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      return client::queueAck(*c, a->name, a->receipt);
    });
  });

  auto* length = q->add_subcommand("length", "Print how many messages are waiting (and in flight)");
  length->add_option("name", a->name, "queue name")->required();
  length->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  length->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      ASSIGN_OR_RETURN(auto n, client::queueLength(*c, a->name));
      if (a->json) {
        printJson({{"visible", n.visible}, {"in_flight", n.in_flight}, {"total", n.visible + n.in_flight}});
      } else {
        std::printf("%llu\n", static_cast<unsigned long long>(n.visible));
      }
      return Status::OK();
    });
  });
}

}  // namespace strata::cli
