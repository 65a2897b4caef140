// Connection commands: AUTH, HELLO, PING, ECHO, SELECT, QUIT, CLIENT, INFO, COMMAND, CONFIG.
#include <strings.h>

#include <string>

#include "server/resp/resp_commands.h"

namespace strata::server::resp {
namespace {

constexpr std::string_view kRedisVersion = "7.0.0";  // what clients feature-detect against

bool eq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// AUTH <namespace> <token>: the namespace plays the part of a Redis 6 user name.
bool authenticate(CommandContext& c, const std::string& ns, const std::string& token) {
  auto principal = c.deps.authenticate(token);
  if (!principal.ok()) {
    c.reply.error("WRONGPASS invalid username-password pair or user is disabled.");
    return false;
  }
  auto ref = c.deps.kv.resolveNamespace(principal->workspace, ns);
  if (!ref.ok()) {
    const Status& exists = ref.status();
    if (exists.code() == Code::kNotFound || exists.code() == Code::kInvalidArgument) {
      c.reply.error("WRONGPASS no key-value namespace '" + ns + "' (create it with `strata kv ns create " + ns + "`)");
    } else {
      replyStatus(c.reply, exists);
    }
    return false;
  }
  c.session.principal = std::move(principal).value();
  c.session.ns = ns;
  c.session.nsref = std::move(ref).value();
  return true;
}

void cmdAuth(CommandContext& c) {
  if (c.args.size() == 2) {
    return c.reply.error("ERR AUTH needs a namespace and a token: AUTH <namespace> <token>");
  }
  if (c.args.size() != 3) return c.reply.error("ERR syntax error");
  if (authenticate(c, c.args[1], c.args[2])) c.reply.simple("OK");
}

void helloReply(CommandContext& c) {
  ReplyWriter& r = c.reply;
  r.mapHeader(7);
  r.bulk("server");
  r.bulk("redis");
  r.bulk("version");
  r.bulk(kRedisVersion);
  r.bulk("proto");
  r.integer(c.session.protocol);
  r.bulk("id");
  r.integer(c.session.id);
  r.bulk("mode");
  r.bulk("standalone");
  r.bulk("role");
  r.bulk("master");
  r.bulk("modules");
  r.arrayHeader(0);
}

void cmdHello(CommandContext& c) {
  int protocol = c.session.protocol;
  size_t i = 1;
  if (c.args.size() > 1) {
    int64_t v;
    if (!parseInt(c.args[1], v)) return c.reply.error("ERR Protocol version is not an integer or out of range");
    if (v != 2 && v != 3) return c.reply.error("NOPROTO unsupported protocol version");
    protocol = static_cast<int>(v);
    i = 2;
  }
  std::string name;
  bool set_name = false;
  for (; i < c.args.size(); ++i) {
    if (eq(c.args[i], "AUTH") && i + 2 < c.args.size()) {
      if (!authenticate(c, c.args[i + 1], c.args[i + 2])) return;
      i += 2;
    } else if (eq(c.args[i], "SETNAME") && i + 1 < c.args.size()) {
      name = c.args[++i];
      set_name = true;
    } else {
      return c.reply.error("ERR Syntax error in HELLO option '" + c.args[i] + "'");
    }
  }
  if (!c.session.principal) return c.reply.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
  if (set_name) c.session.client_name = name;
  c.session.protocol = protocol;
  c.reply.setProtocol(protocol);
  helloReply(c);
}

void cmdPing(CommandContext& c) {
  if (c.args.size() > 2) return c.reply.error("ERR wrong number of arguments for 'ping' command");
  if (c.args.size() == 2) return c.reply.bulk(c.args[1]);
  c.reply.simple("PONG");
}

void cmdEcho(CommandContext& c) { c.reply.bulk(c.args[1]); }

void cmdSelect(CommandContext& c) {
  int64_t db;
  if (!parseInt(c.args[1], db)) return c.reply.error("ERR value is not an integer or out of range");
  if (db != 0) return c.reply.error("ERR DB index is out of range (Strata has one database per namespace: AUTH to another namespace instead)");
  c.reply.simple("OK");
}

void cmdQuit(CommandContext& c) {
  c.session.quit = true;
  c.reply.simple("OK");
}

void cmdClient(CommandContext& c) {
  const std::string& sub = c.args[1];
  if (eq(sub, "SETNAME") && c.args.size() == 3) {
    for (char ch : c.args[2]) {
      if (ch <= ' ' || ch > '~') return c.reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
    }
    c.session.client_name = c.args[2];
    return c.reply.simple("OK");
  }
  if (eq(sub, "GETNAME") && c.args.size() == 2) {
    return c.session.client_name.empty() ? c.reply.null() : c.reply.bulk(c.session.client_name);
  }
  if (eq(sub, "ID") && c.args.size() == 2) return c.reply.integer(c.session.id);
  if (eq(sub, "SETINFO") && c.args.size() == 4) return c.reply.simple("OK");
  if (eq(sub, "INFO") && c.args.size() == 2) {
    return c.reply.bulk("id=" + std::to_string(c.session.id) + " name=" + c.session.client_name +
                        " db=0 resp=" + std::to_string(c.session.protocol) + "\n");
  }
  c.reply.error("ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try CLIENT HELP.");
}

void cmdInfo(CommandContext& c) {
  std::string info =
      "# Server\r\n"
      "redis_version:" + std::string(kRedisVersion) + "\r\n"
      "strata_mode:kv\r\n"
      "redis_mode:standalone\r\n"
      "\r\n# Clients\r\n"
      "connected_clients:1\r\n"
      "\r\n# Persistence\r\n"
      "aof_enabled:1\r\n"
      "\r\n# Keyspace\r\n";
  if (c.session.principal) {
    auto n = c.deps.kv.count(c.session.principal->workspace, c.session.ns);
    if (n.ok()) info += "db0:keys=" + std::to_string(*n) + ",expires=0,avg_ttl=0\r\n";
  }
  c.reply.bulk(info);
}

void commandEntry(ReplyWriter& r, const CommandSpec& s) {
  r.arrayHeader(6);
  r.bulk(s.name);
  r.integer(s.arity);
  r.arrayHeader(1);
  r.simple(s.write ? "write" : "readonly");
  bool has_key = s.needs_auth && s.name != "dbsize" && s.name != "scan" && s.name != "keys";
  r.integer(has_key ? 1 : 0);
  r.integer(has_key ? (s.arity < 0 ? -1 : 1) : 0);
  r.integer(has_key ? 1 : 0);
}

void cmdCommand(CommandContext& c) {
  if (c.args.size() == 1) {
    size_t n = keyCommands().size() + connectionCommands().size();
    c.reply.arrayHeader(n);
    for (const auto* list : {&keyCommands(), &connectionCommands()}) {
      for (const auto& s : *list) commandEntry(c.reply, s);
    }
    return;
  }
  const std::string& sub = c.args[1];
  if (eq(sub, "COUNT")) return c.reply.integer(static_cast<int64_t>(keyCommands().size() + connectionCommands().size()));
  // redis-cli asks for DOCS at start to show hints; having none is fine.
  if (eq(sub, "DOCS")) return c.reply.mapHeader(0);
  c.reply.error("ERR unknown subcommand '" + sub + "'. Try COMMAND HELP.");
}

// redis-benchmark reads "save" and "appendonly" at start; answer as a durable server would.
void cmdConfig(CommandContext& c) {
  if (!eq(c.args[1], "GET") || c.args.size() != 3) {
    return c.reply.error("ERR CONFIG " + c.args[1] + " is not supported by Strata");
  }
  const std::string& key = c.args[2];
  if (eq(key, "save")) {
    c.reply.mapHeader(1);
    c.reply.bulk("save");
    return c.reply.bulk("");
  }
  if (eq(key, "appendonly")) {
    c.reply.mapHeader(1);
    c.reply.bulk("appendonly");
    return c.reply.bulk("yes");
  }
  c.reply.mapHeader(0);
}

}  // namespace

const std::vector<CommandSpec>& connectionCommands() {
  static const std::vector<CommandSpec> specs = {
      {"auth", -2, false, false, cmdAuth},
      {"hello", -1, false, false, cmdHello},
      {"ping", -1, false, true, cmdPing},
      {"echo", 2, false, true, cmdEcho},
      {"select", 2, false, true, cmdSelect},
      {"quit", -1, false, false, cmdQuit},
      {"client", -2, false, true, cmdClient},
      {"info", -1, false, true, cmdInfo},
      {"command", -1, false, false, cmdCommand},
      {"config", -2, false, true, cmdConfig},
  };
  return specs;
}

}  // namespace strata::server::resp
