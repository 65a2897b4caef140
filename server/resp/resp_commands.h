// The RESP command table: one entry per Redis command Strata serves, each a function of
// (deps, session, args, reply). Key commands (resp_key_commands.cc) run on kv::KvService
// in the namespace the connection authenticated to; connection commands
// (resp_connection_commands.cc) handle AUTH, HELLO, CLIENT, INFO, COMMAND and friends.
// Anything else gets Redis's unknown-command error.
#pragma once

#include <string_view>
#include <vector>

#include "kv/write_group.h"
#include "server/resp/resp_protocol.h"
#include "server/resp/resp_session.h"

namespace strata::server::resp {

struct CommandContext {
  const RespDeps& deps;
  Session& session;
  const Command& args;  // args[0] is the command name as sent
  ReplyWriter& reply;
  kv::WriteGroup* group = nullptr;  // for QueueFn: where grouped commands go
};

using CommandFn = void (*)(CommandContext&);
// Queues the command's write into ctx.group (exactly one operation, whose outcome becomes
// the reply after the group commits) and returns true; or returns false having done
// nothing, when this form of the command must run alone (SET ... NX, say).
using QueueFn = bool (*)(CommandContext&);

struct CommandSpec {
  std::string_view name;  // lower case
  int arity;              // as Redis: N = exactly N args incl. the name, -N = at least N
  bool write;             // refused for read-only tokens
  bool needs_auth;
  CommandFn fn;
  QueueFn queue = nullptr;  // set for the commands a kv::WriteGroup can carry
};

// The command named `name` (any case), nullptr when unknown. No allocation.
const CommandSpec* findCommand(std::string_view name);
// Runs one command and appends its reply.
void execute(const RespDeps& deps, Session& session, const Command& args, ReplyWriter& reply);
// Queues the command into `group` when it is a groupable command that would pass every check
// (arity, authentication, read-only token); false, with nothing done, otherwise.
bool tryQueue(const RespDeps& deps, Session& session, const Command& args, ReplyWriter& reply,
              kv::WriteGroup& group);
// The reply of operation `i` of a committed group.
void replyQueued(ReplyWriter& reply, const kv::WriteGroup& group, size_t i);

// The command tables, joined by execute().
const std::vector<CommandSpec>& keyCommands();
const std::vector<CommandSpec>& connectionCommands();

// Replies with the Redis error for a Status from the KV service.
void replyStatus(ReplyWriter& reply, const Status& status);
// Parses a decimal 64-bit integer argument as Redis does.
bool parseInt(std::string_view s, int64_t& out);

}  // namespace strata::server::resp
