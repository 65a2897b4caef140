#include "mount/meta_client.h"

#include <sys/xattr.h>

#include <nlohmann/json.hpp>

#include "client/errors.h"
#include "common/base64.h"

namespace strata::mount {
namespace {

using nlohmann::json;

constexpr char kJson[] = "application/json";

Status badResponse(std::string_view what) {
  return Status(Code::kIOError, "bad response from server: " + std::string(what));
}

Result<json> parse(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return badResponse("not a JSON object");
  return j;
}

template <class T>
T field(const json& j, const char* name, T fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

Result<fs::FileType> typeFrom(std::string_view t) {
  if (t == "file") return fs::FileType::kRegular;
  if (t == "dir") return fs::FileType::kDirectory;
  if (t == "symlink") return fs::FileType::kSymlink;
  return badResponse("unknown file type");
}

Result<fs::Attr> attrFrom(const json& j) {
  if (!j.is_object()) return badResponse("attributes are not an object");
  fs::Attr a;
  a.ino = field<uint64_t>(j, "ino", 0);
  if (a.ino == 0) return badResponse("attributes without ino");
  ASSIGN_OR_RETURN(a.type, typeFrom(field<std::string>(j, "type", "")));
  a.mode = field<uint32_t>(j, "mode", 0);
  a.uid = field<uint32_t>(j, "uid", 0);
  a.gid = field<uint32_t>(j, "gid", 0);
  a.size = field<uint64_t>(j, "size", 0);
  a.nlink = field<uint32_t>(j, "nlink", 1);
  a.atime_ns = field<int64_t>(j, "atime_ns", 0);
  a.mtime_ns = field<int64_t>(j, "mtime_ns", 0);
  a.ctime_ns = field<int64_t>(j, "ctime_ns", 0);
  a.version = field<uint64_t>(j, "version", 0);
  return a;
}

Result<fs::Attr> attrBody(const Result<std::string>& body) {
  if (!body.ok()) return body.status();
  ASSIGN_OR_RETURN(json j, parse(*body));
  return attrFrom(j);
}

Result<Made> madeBody(const Result<std::string>& body) {
  if (!body.ok()) return body.status();
  ASSIGN_OR_RETURN(json j, parse(*body));
  Made out;
  ASSIGN_OR_RETURN(out.attr, attrFrom(j));
  out.created = field<bool>(j, "created", false);
  auto p = j.find("parent");
  if (p != j.end() && p->is_object()) {
    auto parent = attrFrom(*p);
    if (parent.ok()) out.parent = *parent;
  }
  return out;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string_view lockTypeName(LockType t) {
  switch (t) {
    case LockType::kRead: return "read";
    case LockType::kWrite: return "write";
    case LockType::kUnlock: return "unlock";
  }
  return "unlock";
}

json lockBody(const LockSpec& s) {
  return {{"session", s.session}, {"owner", s.owner}, {"kind", s.kind == LockKind::kFlock ? "flock" : "posix"},
          {"type", lockTypeName(s.type)}, {"start", s.start}, {"end", s.end}, {"pid", s.pid}};
}

std::optional<LockHolder> holderFrom(const json& j) {
  auto it = j.find("conflict");
  if (it == j.end() || !it->is_object()) return std::nullopt;
  LockHolder h;
  h.type = field<std::string>(*it, "type", "read") == "write" ? LockType::kWrite : LockType::kRead;
  h.start = field<uint64_t>(*it, "start", 0);
  h.end = field<uint64_t>(*it, "end", UINT64_MAX);
  h.pid = field<uint32_t>(*it, "pid", 0);
  return h;
}

}  // namespace

MetaClient::MetaClient(const client::HttpClient& http, std::string fs)
    : http_(http), fs_(std::move(fs)), prefix_("/api/v1/fs/" + client::urlEncode(fs_, false)) {}

std::string MetaClient::inodePath(fs::InodeId ino, std::string_view op) const {
  std::string out = prefix_ + "/inodes/" + std::to_string(ino);
  if (!op.empty()) {
    out += '/';
    out += op;
  }
  return out;
}

Result<std::string> MetaClient::send(client::HttpRequest& req) const {
  ASSIGN_OR_RETURN(client::HttpResponse resp, http_.send(req));
  if (resp.status < 200 || resp.status >= 300) return client::statusFromResponse(resp.status, resp.body);
  return std::move(resp.body);
}

Result<std::string> MetaClient::get(const std::string& target) const {
  client::HttpRequest req;
  req.method = "GET";
  req.target = target;
  req.idempotent = true;
  return send(req);
}

Result<std::string> MetaClient::post(const std::string& target, const std::string& body, bool idempotent) const {
  client::HttpRequest req;
  req.method = "POST";
  req.target = target;
  req.body = body;
  req.content_type = kJson;
  req.idempotent = idempotent;
  return send(req);
}

Result<fs::Attr> MetaClient::statPath(std::string_view path) const {
  return attrBody(get(prefix_ + "/stat?path=" + client::urlEncode(path)));
}

static Result<std::vector<fs::ChunkRef>> refsFrom(const json& list) {
  std::vector<fs::ChunkRef> out;
  out.reserve(list.size());
  for (const auto& e : list) {
    fs::ChunkRef r;
    r.index = field<uint64_t>(e, "index", 0);
    r.length = field<uint32_t>(e, "length", 0);
    auto id = Digest::fromHex(field<std::string>(e, "id", ""));
    if (!id.ok()) return badResponse("bad chunk id");
    r.id = *id;
    out.push_back(r);
  }
  return out;
}

Result<fs::Attr> MetaClient::lookup(fs::InodeId parent, std::string_view name,
                                    std::optional<std::vector<fs::ChunkRef>>* chunks) const {
  ASSIGN_OR_RETURN(std::string body, get(inodePath(parent, "lookup") + "?name=" + client::urlEncode(name, false)));
  ASSIGN_OR_RETURN(json j, parse(body));
  ASSIGN_OR_RETURN(fs::Attr attr, attrFrom(j));
  if (chunks != nullptr) {
    chunks->reset();
    auto c = j.find("chunks");
    if (c != j.end() && c->is_array()) {
      ASSIGN_OR_RETURN(*chunks, refsFrom(*c));
    }
  }
  return attr;
}

Result<fs::Attr> MetaClient::getattr(fs::InodeId ino) const { return attrBody(get(inodePath(ino, ""))); }

Result<fs::Attr> MetaClient::setattr(fs::InodeId ino, const fs::SetAttr& c) const {
  json body = json::object();
  if (c.mode) body["mode"] = *c.mode;
  if (c.uid) body["uid"] = *c.uid;
  if (c.gid) body["gid"] = *c.gid;
  if (c.size) body["size"] = *c.size;
  if (c.atime_ns) body["atime_ns"] = *c.atime_ns;
  if (c.mtime_ns) body["mtime_ns"] = *c.mtime_ns;
  return attrBody(post(inodePath(ino, "setattr"), dump(body), true));
}

Result<Made> MetaClient::mkdir(fs::InodeId parent, std::string_view name, uint32_t mode, uint32_t uid,
                               uint32_t gid) const {
  json body = {{"name", std::string(name)}, {"mode", mode}, {"uid", uid}, {"gid", gid}};
  return madeBody(post(inodePath(parent, "mkdir"), dump(body), false));
}

Result<Made> MetaClient::create(fs::InodeId parent, std::string_view name, uint32_t mode, uint32_t uid,
                                uint32_t gid, bool exclusive) const {
  json body = {{"name", std::string(name)}, {"mode", mode}, {"uid", uid}, {"gid", gid}, {"exclusive", exclusive}};
  return madeBody(post(inodePath(parent, "create"), dump(body), false));
}

Result<Made> MetaClient::symlink(fs::InodeId parent, std::string_view name, std::string_view target,
                                 uint32_t uid, uint32_t gid) const {
  json body = {{"name", std::string(name)}, {"target", std::string(target)}, {"uid", uid}, {"gid", gid}};
  return madeBody(post(inodePath(parent, "symlink"), dump(body), false));
}

Result<std::string> MetaClient::readlink(fs::InodeId ino) const {
  ASSIGN_OR_RETURN(std::string body, get(inodePath(ino, "readlink")));
  ASSIGN_OR_RETURN(json j, parse(body));
  return field<std::string>(j, "target", "");
}

Result<Made> MetaClient::link(fs::InodeId ino, fs::InodeId new_parent, std::string_view new_name) const {
  json body = {{"new_parent", new_parent}, {"new_name", std::string(new_name)}};
  return madeBody(post(inodePath(ino, "link"), dump(body), false));
}

Status MetaClient::unlink(fs::InodeId parent, std::string_view name) const {
  return post(inodePath(parent, "unlink"), dump({{"name", std::string(name)}}), false).status();
}

Status MetaClient::rmdir(fs::InodeId parent, std::string_view name) const {
  return post(inodePath(parent, "rmdir"), dump({{"name", std::string(name)}}), false).status();
}

Status MetaClient::rename(fs::InodeId parent, std::string_view name, fs::InodeId new_parent,
                          std::string_view new_name, uint32_t flags) const {
  json body = {{"name", std::string(name)}, {"new_parent", new_parent}, {"new_name", std::string(new_name)},
               {"flags", flags}};
  return post(inodePath(parent, "rename"), dump(body), false).status();
}

Result<DirItems> MetaClient::readdir(fs::InodeId dir, std::string_view cursor, size_t limit, bool attrs) const {
  std::string target = inodePath(dir, "readdir") + "?limit=" + std::to_string(limit);
  if (attrs) target += "&attrs=true";
  if (!cursor.empty()) target += "&cursor=" + client::urlEncode(cursor, false);
  ASSIGN_OR_RETURN(std::string body, get(target));
  ASSIGN_OR_RETURN(json j, parse(body));
  DirItems out;
  out.next_cursor = field<std::string>(j, "next_cursor", "");
  auto it = j.find("entries");
  if (it == j.end() || !it->is_array()) return badResponse("readdir without entries");
  out.entries.reserve(it->size());
  for (const auto& e : *it) {
    DirItem item;
    item.name = field<std::string>(e, "name", "");
    item.ino = field<uint64_t>(e, "ino", 0);
    ASSIGN_OR_RETURN(item.type, typeFrom(field<std::string>(e, "type", "")));
    if (item.name.empty() || item.ino == 0) return badResponse("readdir entry without name or ino");
    auto a = e.find("attr");
    if (a != e.end() && a->is_object()) {
      ASSIGN_OR_RETURN(fs::Attr attr, attrFrom(*a));
      item.attr = attr;
    }
    out.entries.push_back(std::move(item));
  }
  return out;
}

Result<fs::Usage> MetaClient::statfs() const {
  ASSIGN_OR_RETURN(std::string body, get(prefix_ + "/statfs"));
  ASSIGN_OR_RETURN(json j, parse(body));
  fs::Usage u;
  u.bytes = field<uint64_t>(j, "bytes", 0);
  u.files = field<uint64_t>(j, "files", 0);
  u.directories = field<uint64_t>(j, "directories", 0);
  u.symlinks = field<uint64_t>(j, "symlinks", 0);
  return u;
}

Result<std::string> MetaClient::getxattr(fs::InodeId ino, std::string_view name) const {
  ASSIGN_OR_RETURN(std::string body, get(inodePath(ino, "xattr") + "?name=" + client::urlEncode(name, false)));
  ASSIGN_OR_RETURN(json j, parse(body));
  auto value = base64Decode(field<std::string>(j, "value", ""));
  if (!value.ok()) return badResponse("xattr value is not base64");
  return std::move(value).value();
}

Result<std::vector<std::string>> MetaClient::listxattr(fs::InodeId ino) const {
  ASSIGN_OR_RETURN(std::string body, get(inodePath(ino, "xattrs")));
  ASSIGN_OR_RETURN(json j, parse(body));
  return field<std::vector<std::string>>(j, "names", {});
}

Status MetaClient::setxattr(fs::InodeId ino, std::string_view name, std::string_view value, int flags) const {
  std::string mode = "any";
  if (flags & XATTR_CREATE) mode = "create";
  if (flags & XATTR_REPLACE) mode = "replace";
  json body = {{"name", std::string(name)}, {"value", base64Encode(value)}, {"mode", mode}};
  return post(inodePath(ino, "xattr"), dump(body), true).status();
}

Status MetaClient::removexattr(fs::InodeId ino, std::string_view name) const {
  return post(inodePath(ino, "xattr/remove"), dump({{"name", std::string(name)}}), false).status();
}

Result<ChunkList> MetaClient::chunks(fs::InodeId ino, uint64_t first, uint64_t count) const {
  ASSIGN_OR_RETURN(std::string body, get(inodePath(ino, "chunks") + "?first=" + std::to_string(first) +
                                         "&count=" + std::to_string(count)));
  ASSIGN_OR_RETURN(json j, parse(body));
  ChunkList out;
  auto a = j.find("attr");
  if (a == j.end()) return badResponse("chunk list without attributes");
  ASSIGN_OR_RETURN(out.attr, attrFrom(*a));
  auto c = j.find("chunks");
  if (c == j.end() || !c->is_array()) return badResponse("chunk list without chunks");
  ASSIGN_OR_RETURN(out.refs, refsFrom(*c));
  return out;
}

Result<fs::Attr> MetaClient::commit(fs::InodeId ino, const Commit& c) const {
  json chunks = json::array();
  size_t inline_bytes = 0;
  for (size_t i = 0; i < c.chunks.size(); ++i) {
    const auto& r = c.chunks[i];
    json e = {{"index", r.index}, {"id", r.id.hex()}, {"length", r.length}};
    if (i < c.inline_data.size() && !c.inline_data[i].empty()) {
      e["inline"] = true;
      inline_bytes += r.length;
    }
    chunks.push_back(std::move(e));
  }
  json body = {{"size", c.size}, {"chunks", chunks}};
  if (c.truncate_to) body["truncate_to"] = *c.truncate_to;
  if (c.sync) body["sync"] = true;
  if (!c.upload_id.empty()) {
    body["upload_id"] = c.upload_id;
    body["end_upload"] = true;
  }
  std::string text = dump(body);
  if (inline_bytes == 0) return attrBody(post(inodePath(ino, "commit"), text, true));
  // The JSON, then the inline chunks' bytes in entry order (docs/api-mount.md).
  const size_t json_bytes = text.size();
  text.reserve(json_bytes + inline_bytes);
  for (size_t i = 0; i < c.chunks.size() && i < c.inline_data.size(); ++i) {
    if (c.inline_data[i].empty()) continue;
    text.append(c.inline_data[i].substr(0, c.chunks[i].length));
  }
  client::HttpRequest req;
  req.method = "POST";
  req.target = inodePath(ino, "commit") + "?json_bytes=" + std::to_string(json_bytes);
  req.body = text;  // borrowed: `text` outlives send()
  req.content_type = "application/octet-stream";
  req.idempotent = true;  // the same chunks and size twice leave the same file
  return attrBody(send(req));
}

Status MetaClient::sync() const { return post(prefix_ + "/sync", "", true).status(); }

Result<std::pair<std::string, std::vector<Digest>>> MetaClient::beginUpload(std::span<const Digest> ids,
                                                                            std::string_view upload_id) const {
  json list = json::array();
  for (const auto& id : ids) list.push_back(id.hex());
  json body = {{"chunks", list}};
  if (!upload_id.empty()) body["upload_id"] = std::string(upload_id);
  ASSIGN_OR_RETURN(std::string resp, post(prefix_ + "/uploads", dump(body), true));
  ASSIGN_OR_RETURN(json j, parse(resp));
  std::pair<std::string, std::vector<Digest>> out;
  out.first = field<std::string>(j, "upload_id", "");
  if (out.first.empty()) return badResponse("upload without id");
  for (const auto& m : field<std::vector<std::string>>(j, "missing", {})) {
    auto id = Digest::fromHex(m);
    if (!id.ok()) return badResponse("bad chunk id");
    out.second.push_back(*id);
  }
  return out;
}

Status MetaClient::putChunk(std::string_view upload_id, const Digest& id, std::string_view bytes) const {
  client::HttpRequest req;
  req.method = "PUT";
  req.target = prefix_ + "/chunks/" + id.hex() + "?upload_id=" + client::urlEncode(upload_id, false);
  req.body = bytes;
  req.content_type = "application/octet-stream";
  req.idempotent = true;
  return send(req).status();
}

Status MetaClient::endUpload(std::string_view upload_id) const {
  client::HttpRequest req;
  req.method = "DELETE";
  req.target = prefix_ + "/uploads/" + client::urlEncode(upload_id, false);
  req.idempotent = true;
  return send(req).status();
}

Result<std::string> MetaClient::readChunk(const Digest& id) const {
  ASSIGN_OR_RETURN(std::string bytes, get(prefix_ + "/chunks/" + id.hex()));
  if (Sha256::of(bytes) != id) return corruption("chunk ", id.hex(), " does not match its hash");
  return bytes;
}

Result<SessionLease> MetaClient::createSession(int64_t lease_ms) const {
  ASSIGN_OR_RETURN(std::string body, post(prefix_ + "/sessions", dump({{"lease_ms", lease_ms}}), true));
  ASSIGN_OR_RETURN(json j, parse(body));
  SessionLease s;
  s.id = field<std::string>(j, "session", "");
  s.lease_ms = field<int64_t>(j, "lease_ms", lease_ms);
  if (s.id.empty()) return badResponse("session without id");
  return s;
}

Status MetaClient::heartbeat(std::string_view session) const {
  return post(prefix_ + "/sessions/" + std::string(session) + "/heartbeat", "", true).status();
}

Status MetaClient::endSession(std::string_view session) const {
  client::HttpRequest req;
  req.method = "DELETE";
  req.target = prefix_ + "/sessions/" + std::string(session);
  req.idempotent = true;
  return send(req).status();
}

Result<std::optional<LockHolder>> MetaClient::lock(fs::InodeId ino, const LockSpec& spec) const {
  ASSIGN_OR_RETURN(std::string body, post(inodePath(ino, "lock"), dump(lockBody(spec)), true));
  ASSIGN_OR_RETURN(json j, parse(body));
  if (field<bool>(j, "granted", false)) return std::optional<LockHolder>();
  auto h = holderFrom(j);
  if (!h) return badResponse("lock refused without a conflict");
  return h;
}

Result<std::optional<LockHolder>> MetaClient::testLock(fs::InodeId ino, const LockSpec& spec) const {
  ASSIGN_OR_RETURN(std::string body, post(inodePath(ino, "getlk"), dump(lockBody(spec)), true));
  ASSIGN_OR_RETURN(json j, parse(body));
  return holderFrom(j);
}

}  // namespace strata::mount
