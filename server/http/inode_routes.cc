// Inode-level routes for the FUSE mount (docs/api-mount.md): the namespace by inode number,
// chunk maps and commits by inode, client sessions and advisory locks. Thin: parse, call
// fs::FileSystem / fs::LockTable / fs::SessionTable, answer JSON. Errors carry the code name,
// which the mount maps back to errno.
//
// Durability (docs/api-mount.md "Durability"): creates and commits from a mount are kBuffered
// commits -- in the engine's log in the OS when answered, so they survive kill -9 of the
// server at once, and a machine crash after the next sync (the mount's fsync/fsyncdir/syncfs:
// a commit with "sync":true or POST .../sync) or the engine's background sync (~1 s). That is
// what a local disk promises for close() without fsync().
#include <memory>
#include <vector>

#include "common/base64.h"
#include "common/metrics.h"
#include "fs/chunk_manager.h"
#include "fs/filesystem.h"
#include "fs/locks.h"
#include "fs/sessions.h"
#include "server/http/fs_common.h"
#include "server/http/json_io.h"
#include "server/http/routes.h"

namespace strata::server::http {
namespace {

using nlohmann::json;

constexpr size_t kDefaultReaddirLimit = 1000;
constexpr size_t kMaxReaddirLimit = 10000;
constexpr uint64_t kMaxChunkQuery = 100000;
constexpr int kSnapshotAttempts = 8;
constexpr uint64_t kLookupMapMaxChunks = 4;  // lookups carry the chunk map of files up to 16 MiB
constexpr uint64_t kCommitBodyLimit = 16ull << 20;
// A commit may carry the bytes of chunks up to this size inline (binary): a small file's close
// is then one request, with no upload begin and no chunk PUT. The same bound as the server's
// small-chunk tier (blob/tiered_store.h), so inline chunks normally land in the engine.
constexpr uint64_t kInlineChunkMax = 64 << 10;
// Rounds of put + commit for a commit with inline chunks (see commitRoute).
constexpr int kInlineCommitAttempts = 3;

struct Tables {
  explicit Tables(db::Engine& engine) : sessions(engine), locks(engine, sessions) {}
  fs::SessionTable sessions;
  fs::LockTable locks;
};

Result<uint64_t> parseUint(std::string_view what, std::string_view text) {
  if (text.empty() || text.size() > 20) return invalidArgument(what, " must be a non-negative integer");
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return invalidArgument(what, " must be a non-negative integer");
    uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != v) return invalidArgument(what, " is too large");
    v = next;
  }
  return v;
}

Result<fs::InodeId> inoParam(const Call& call) {
  ASSIGN_OR_RETURN(uint64_t ino, parseUint("inode number", call.param("ino")));
  if (ino == 0) return invalidArgument("inode number 0 does not exist");
  return ino;
}

Result<uint64_t> queryUint(const Call& call, std::string_view name, uint64_t fallback) {
  auto text = call.query(name);
  if (!text) return fallback;
  return parseUint(name, *text);
}

// A directory entry name from JSON or the query: one component, no '/' or NUL, not . or ..
Status checkName(std::string_view name) {
  if (name.empty()) return invalidArgument("empty name");
  if (name.size() > fs::kMaxNameBytes) return Status(Code::kNameTooLong, "file name too long");
  if (name == "." || name == "..") return invalidArgument("'.' and '..' are not entry names");
  if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return invalidArgument("a name may not contain '/' or NUL");
  }
  return Status::OK();
}

Result<std::string> nameField(const json& req, std::string_view field) {
  ASSIGN_OR_RETURN(std::string name, requiredString(req, field));
  RETURN_IF_ERROR(checkName(name));
  return name;
}

Result<fs::CreateOptions> createOptions(const json& req, uint32_t default_mode) {
  fs::CreateOptions o;
  ASSIGN_OR_RETURN(auto mode, optionalUint(req, "mode"));
  ASSIGN_OR_RETURN(auto uid, optionalUint(req, "uid"));
  ASSIGN_OR_RETURN(auto gid, optionalUint(req, "gid"));
  ASSIGN_OR_RETURN(o.exclusive, optionalBool(req, "exclusive", true));
  if (mode && *mode > 07777) return invalidArgument("mode must be permission bits (<= 07777)");
  if ((uid && *uid > UINT32_MAX) || (gid && *gid > UINT32_MAX)) return invalidArgument("uid/gid out of range");
  o.mode = mode ? static_cast<uint32_t>(*mode) : default_mode;
  o.uid = uid ? static_cast<uint32_t>(*uid) : 0;
  o.gid = gid ? static_cast<uint32_t>(*gid) : 0;
  o.defer_sync = true;  // mount semantics: durable on fsync/fsyncdir/syncfs (header comment)
  return o;
}

json chunkJson(const fs::ChunkRef& r) { return {{"index", r.index}, {"id", r.id.hex()}, {"length", r.length}}; }

// --- namespace ---

Status lookupRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId parent, inoParam(call));
  std::string name = call.query("name").value_or("");
  RETURN_IF_ERROR(checkName(name));
  ASSIGN_OR_RETURN(fs::Attr attr, fsys->lookup(parent, name));
  json out = attrJson(attr);
  // A small regular file's chunk map as of the same version ("chunks"): the mount opens from
  // it when the inode is gone by the time the open that looked it up arrives (a rename
  // replaced the name in between), instead of failing that open with ESTALE twice.
  if (attr.type == fs::FileType::kRegular && attr.size <= kLookupMapMaxChunks * fs::kChunkSize) {
    auto refs = fsys->chunks(attr.ino, 0, kLookupMapMaxChunks);
    auto after = fsys->getattr(attr.ino);
    if (refs.ok() && after.ok() && after->version == attr.version) {
      json chunks = json::array();
      for (const auto& r : *refs) chunks.push_back(chunkJson(r));
      out["chunks"] = std::move(chunks);
    }
  }
  return replyJson(call, 200, out);
}

Status getattrRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(fs::Attr attr, fsys->getattr(ino));
  return replyJson(call, 200, attrJson(attr));
}

Status setattrRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  fs::SetAttr changes;
  ASSIGN_OR_RETURN(auto mode, optionalUint(req, "mode"));
  ASSIGN_OR_RETURN(auto uid, optionalUint(req, "uid"));
  ASSIGN_OR_RETURN(auto gid, optionalUint(req, "gid"));
  ASSIGN_OR_RETURN(changes.size, optionalUint(req, "size"));
  ASSIGN_OR_RETURN(changes.atime_ns, optionalInt(req, "atime_ns"));
  ASSIGN_OR_RETURN(changes.mtime_ns, optionalInt(req, "mtime_ns"));
  if (mode && *mode > 07777) return invalidArgument("mode must be permission bits (<= 07777)");
  if ((uid && *uid > UINT32_MAX) || (gid && *gid > UINT32_MAX)) return invalidArgument("uid/gid out of range");
  if (mode) changes.mode = static_cast<uint32_t>(*mode);
  if (uid) changes.uid = static_cast<uint32_t>(*uid);
  if (gid) changes.gid = static_cast<uint32_t>(*gid);
  ASSIGN_OR_RETURN(fs::Attr attr, fsys->setattr(ino, changes));
  return replyJson(call, 200, attrJson(attr));
}

// Adds the parent directory's attributes as of just after a change to it ("parent"): the
// kernel drops its cached attributes of a directory it changed and asks for them again at the
// next path walk (default_permissions), and the mount answers that from this instead of a
// round trip. Best effort: without it the mount simply asks.
json withParent(fs::FileSystem& fsys, json out, fs::InodeId parent) {
  auto attr = fsys.getattr(parent);
  if (attr.ok()) out["parent"] = attrJson(*attr);
  return out;
}

enum class MakeKind { kDir, kFile, kSymlink };

Status makeRoute(fs::FileSystemService& service, Call& call, MakeKind kind) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId parent, inoParam(call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(std::string name, nameField(req, "name"));
  fs::Attr attr;
  bool created = true;
  switch (kind) {
    case MakeKind::kDir: {
      ASSIGN_OR_RETURN(fs::CreateOptions o, createOptions(req, 0755));
      ASSIGN_OR_RETURN(attr, fsys->mkdir(parent, name, o));
      break;
    }
    case MakeKind::kFile: {
      ASSIGN_OR_RETURN(fs::CreateOptions o, createOptions(req, 0644));
      // "created": whether this call made the file (O_CREAT without O_EXCL may open an
      // existing one). The mount skips the O_TRUNC of a file it just created (nothing to
      // cut, no commit at close) but not of an existing one (the truncate sets its mtime).
      // Try the exclusive create first: the common case (a new name) is one transaction,
      // and "created" is exact -- a separate lookup before the create could say "absent"
      // for a name another client creates in between, and the mount would then skip the
      // O_TRUNC of that client's file. Only when the name exists does the non-exclusive
      // create open it (or, if it was removed meanwhile, make it: "created" false then only
      // costs the mount a needless truncate of an empty file).
      const bool exclusive = o.exclusive;
      o.exclusive = true;
      auto made = fsys->create(parent, name, o);
      if (!exclusive && !made.ok() && made.status().code() == Code::kAlreadyExists) {
        created = false;
        o.exclusive = false;
        made = fsys->create(parent, name, o);
      }
      ASSIGN_OR_RETURN(attr, std::move(made));
      break;
    }
    case MakeKind::kSymlink: {
      ASSIGN_OR_RETURN(fs::CreateOptions o, createOptions(req, 0777));
      ASSIGN_OR_RETURN(std::string target, requiredString(req, "target"));
      if (target.empty()) return Status(Code::kNotFound, "empty symlink target");
      if (target.size() >= fs::kMaxPathBytes) return Status(Code::kNameTooLong, "symlink target too long");
      if (target.find('\0') != std::string::npos) return invalidArgument("symlink target contains NUL");
      ASSIGN_OR_RETURN(attr, fsys->symlink(parent, name, target, o));
      break;
    }
  }
  json out = withParent(*fsys, attrJson(attr), parent);
  out["created"] = created;
  return replyJson(call, 201, out);
}

Status readlinkRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(std::string target, fsys->readlink(ino));
  return replyJson(call, 200, {{"target", target}});
}

Status linkRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(auto new_parent, optionalUint(req, "new_parent"));
  if (!new_parent || *new_parent == 0) return invalidArgument("field 'new_parent' is required");
  ASSIGN_OR_RETURN(std::string new_name, nameField(req, "new_name"));
  ASSIGN_OR_RETURN(fs::Attr attr, fsys->link(ino, *new_parent, new_name));
  return replyJson(call, 201, withParent(*fsys, attrJson(attr), *new_parent));
}

Status removeRoute(fs::FileSystemService& service, Call& call, bool dir) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId parent, inoParam(call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(std::string name, nameField(req, "name"));
  RETURN_IF_ERROR(dir ? fsys->rmdir(parent, name) : fsys->unlink(parent, name));
  return replyJson(call, 200, {{"deleted", true}});
}

Status renameRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId parent, inoParam(call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(std::string name, nameField(req, "name"));
  ASSIGN_OR_RETURN(auto new_parent, optionalUint(req, "new_parent"));
  if (!new_parent || *new_parent == 0) return invalidArgument("field 'new_parent' is required");
  ASSIGN_OR_RETURN(std::string new_name, nameField(req, "new_name"));
  ASSIGN_OR_RETURN(auto flags, optionalUint(req, "flags"));
  const uint64_t f = flags.value_or(0);
  if (f & ~uint64_t{fs::kRenameNoReplace | fs::kRenameExchange}) return invalidArgument("unknown rename flags");
  if ((f & fs::kRenameNoReplace) && (f & fs::kRenameExchange)) {
    return invalidArgument("RENAME_NOREPLACE and RENAME_EXCHANGE exclude each other");
  }
  RETURN_IF_ERROR(fsys->rename(parent, name, *new_parent, new_name, static_cast<uint32_t>(f)));
  return replyJson(call, 200, {{"renamed", true}});
}

Status readdirRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId dir, inoParam(call));
  ASSIGN_OR_RETURN(uint64_t limit, queryUint(call, "limit", kDefaultReaddirLimit));
  if (limit < 1 || limit > kMaxReaddirLimit) return invalidArgument("limit must be 1..10000");
  ASSIGN_OR_RETURN(bool with_attrs, queryBool(call, "attrs", false));
  std::string cursor = call.query("cursor").value_or("");
  ASSIGN_OR_RETURN(fs::DirPage page, fsys->readdir(dir, cursor, limit));
  json entries = json::array();
  for (const auto& e : page.entries) {
    json j;
    if (with_attrs) {
      auto attr = fsys->getattr(e.ino);
      if (!attr.ok()) {
        if (attr.status().code() == Code::kNotFound) continue;  // removed while listing
        return attr.status();
      }
      j["attr"] = attrJson(*attr);
    }
    j["name"] = e.name;
    j["ino"] = e.ino;
    j["type"] = typeName(e.type);
    entries.push_back(std::move(j));
  }
  return replyJson(call, 200, {{"entries", entries}, {"next_cursor", page.next_cursor}});
}

// --- xattrs (values are base64 in JSON: they are arbitrary bytes) ---

Status getxattrRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  auto name = call.query("name");
  if (!name || name->empty()) return invalidArgument("query parameter 'name' is required");
  ASSIGN_OR_RETURN(std::string value, fsys->getxattr(ino, *name));
  return replyJson(call, 200, {{"value", base64Encode(value)}});
}

Status listxattrRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(auto names, fsys->listxattr(ino));
  return replyJson(call, 200, {{"names", names}});
}

Status setxattrRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(std::string name, requiredString(req, "name"));
  ASSIGN_OR_RETURN(std::string value64, requiredString(req, "value"));
  ASSIGN_OR_RETURN(auto mode_text, optionalString(req, "mode"));
  ASSIGN_OR_RETURN(std::string value, base64Decode(value64));
  fs::XattrMode mode = fs::XattrMode::kAny;
  if (mode_text && *mode_text == "create") {
    mode = fs::XattrMode::kCreate;
  } else if (mode_text && *mode_text == "replace") {
    mode = fs::XattrMode::kReplace;
  } else if (mode_text && *mode_text != "any") {
    return invalidArgument("mode must be any, create or replace");
  }
  RETURN_IF_ERROR(fsys->setxattr(ino, name, value, mode));
  return replyJson(call, 200, {{"set", true}});
}

Status removexattrRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(std::string name, requiredString(req, "name"));
  RETURN_IF_ERROR(fsys->removexattr(ino, name));
  return replyJson(call, 200, {{"removed", true}});
}

// --- content ---


// The chunk refs of [first, first+count) and the attributes of the same version.
Status chunksRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(uint64_t first, queryUint(call, "first", 0));
  ASSIGN_OR_RETURN(uint64_t count, queryUint(call, "count", kMaxChunkQuery));
  if (count > kMaxChunkQuery) return invalidArgument("count must be at most 100000");
  for (int attempt = 0; attempt < kSnapshotAttempts; ++attempt) {
    ASSIGN_OR_RETURN(fs::Attr before, fsys->getattr(ino));
    ASSIGN_OR_RETURN(auto refs, fsys->chunks(ino, first, count));
    ASSIGN_OR_RETURN(fs::Attr after, fsys->getattr(ino));
    if (after.version != before.version) continue;
    json chunks = json::array();
    for (const auto& r : refs) chunks.push_back(chunkJson(r));
    return replyJson(call, 200, {{"attr", attrJson(before)}, {"chunks", chunks}});
  }
  return busy("file keeps changing");
}

// Replaces the listed chunks of a file and sets its size in one transaction: the bytes a
// mount wrote since its last commit become visible at once, never half. Chunks marked
// "inline" carry their bytes in the request, after the JSON (?json_bytes=N), and are stored
// first, without an upload: a chunk stored but never committed (a failed commit, a crash in
// between) is an orphan the collector removes after its grace period, like any chunk
// uploaded and never committed. Binary, not base64 in the JSON: encoding, scanning and
// decoding 16 KiB of base64 cost more than the rest of a small file's commit.
Status commitRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(std::string body, call.readBody());
  std::string_view json_text = body;
  std::string_view tail;
  if (call.query("json_bytes")) {
    ASSIGN_OR_RETURN(uint64_t json_bytes, queryUint(call, "json_bytes", 0));
    if (json_bytes > body.size()) return invalidArgument("json_bytes is past the end of the body");
    json_text = std::string_view(body).substr(0, json_bytes);
    tail = std::string_view(body).substr(json_bytes);
  }
  json req = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded() || !req.is_object()) return invalidArgument("commit must be a JSON object");
  fs::FileContent content;
  ASSIGN_OR_RETURN(auto size, optionalUint(req, "size"));
  if (!size) return invalidArgument("field 'size' is required");
  content.size = *size;
  ASSIGN_OR_RETURN(content.truncate_to, optionalUint(req, "truncate_to"));
  ASSIGN_OR_RETURN(content.mtime_ns, optionalInt(req, "mtime_ns"));
  ASSIGN_OR_RETURN(auto upload_id, optionalString(req, "upload_id"));
  ASSIGN_OR_RETURN(bool end_upload, optionalBool(req, "end_upload", false));
  ASSIGN_OR_RETURN(bool sync, optionalBool(req, "sync", false));
  content.upload_id = upload_id.value_or("");
  content.defer_sync = true;  // kBuffered; "sync" adds a full sync below
  std::vector<blob::ChunkWrite> inline_chunks;
  auto chunks = req.find("chunks");
  if (chunks != req.end() && !chunks->is_null()) {
    if (!chunks->is_array()) return invalidArgument("field 'chunks' must be an array");
    for (const auto& c : *chunks) {
      if (!c.is_object()) return invalidArgument("chunk entries must be objects");
      ASSIGN_OR_RETURN(auto index, optionalUint(c, "index"));
      ASSIGN_OR_RETURN(std::string id_text, requiredString(c, "id"));
      ASSIGN_OR_RETURN(auto length, optionalUint(c, "length"));
      ASSIGN_OR_RETURN(bool is_inline, optionalBool(c, "inline", false));
      if (!index || !length) return invalidArgument("chunk entries need index and length");
      if (*length == 0 || *length > fs::kChunkSize) return invalidArgument("bad chunk length");
      if (id_text.size() != 64) return invalidArgument("chunk id must be 64 hex characters");
      ASSIGN_OR_RETURN(Digest id, Digest::fromHex(id_text));
      if (is_inline) {
        if (*length > kInlineChunkMax) return invalidArgument("an inline chunk is at most 64 KiB");
        if (tail.size() < *length) return invalidArgument("the body ends before the inline chunk bytes");
        inline_chunks.push_back(blob::ChunkWrite{id, tail.substr(0, *length)});
        tail.remove_prefix(*length);
      }
      content.chunks.push_back(fs::ChunkRef{*index, id, static_cast<uint32_t>(*length)});
    }
  }
  if (!tail.empty()) return invalidArgument("bytes after the inline chunks");
  auto store_and_commit = [&]() -> Result<fs::Attr> {
    // Verifies every id against its bytes before storing any (kInvalidArgument).
    if (!inline_chunks.empty()) RETURN_IF_ERROR(service.chunks().putChunks(call.workspace(), inline_chunks));
    // The chunk barrier BEFORE the metadata is written: chunk PUTs (the mount's bigger chunks)
    // are stored with deferred durability (server/http/upload_routes.cc), and this buffered
    // commit may reach the disk at any moment (the engine's background log sync), so a file's
    // record must never become durable ahead of the directory entries of the chunks it names.
    // Cheap when nothing is pending; inline chunks live in the engine's own ordered log.
    RETURN_IF_ERROR(service.chunks().syncChunksForCommit());
    return fsys->commitChunks(ino, content);
  };
  Result<fs::Attr> attr = store_and_commit();
  // A commit refuses a chunk the collector is deleting (kInvalidArgument): one that existed
  // unreferenced past its grace period and was taken between our put and the commit. The
  // next put waits for that deletion to end and stores the chunk again. (A request that is
  // simply invalid fails the same way each round; the rounds are few.)
  for (int attempt = 1; !attr.ok() && !inline_chunks.empty() &&
                        attr.status().code() == Code::kInvalidArgument && attempt < kInlineCommitAttempts;
       ++attempt) {
    attr = store_and_commit();
  }
  RETURN_IF_ERROR(attr.status());
  metrics::inc("strata_mount_commits_total");
  if (!inline_chunks.empty()) metrics::inc("strata_mount_inline_chunks_total", {}, inline_chunks.size());
  if (sync) RETURN_IF_ERROR(service.sync());
  if (end_upload && !content.upload_id.empty()) {
    // The pins only protected the chunks until this commit referenced them; failing to drop
    // them early is harmless (they expire).
    service.chunks().endUpload(call.workspace(), content.upload_id).ignoreError();
  }
  return replyJson(call, 200, attrJson(*attr));
}

// fsync/fsyncdir/syncfs of a mount: everything committed and stored so far survives a machine
// crash when this answers (chunks first, then the metadata log).
Status syncRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  (void)fsys;  // the file system must exist; the sync covers the whole engine and store
  RETURN_IF_ERROR(service.sync());
  metrics::inc("strata_mount_syncs_total");
  return replyJson(call, 200, {{"synced", true}});
}

Status statfsRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::Usage usage, fsys->usage());
  return replyJson(call, 200,
                   {{"bytes", usage.bytes}, {"files", usage.files},
                    {"directories", usage.directories}, {"symlinks", usage.symlinks}});
}

// --- sessions ---

Status createSessionRoute(fs::FileSystemService& service, Tables& t, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(auto lease_ms, optionalUint(req, "lease_ms"));
  const uint64_t lease = lease_ms.value_or(30000);
  if (lease > static_cast<uint64_t>(fs::kMaxLeaseMs)) return invalidArgument("lease must be 1..3600 seconds");
  ASSIGN_OR_RETURN(fs::SessionInfo s, t.sessions.create(call.workspace(), static_cast<int64_t>(lease)));
  return replyJson(call, 201, {{"session", s.id}, {"lease_ms", s.lease_ms}, {"expiry_unix_ms", s.expiry_unix_ms}});
}

Status heartbeatRoute(fs::FileSystemService& service, Tables& t, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::SessionInfo s, t.sessions.heartbeat(call.workspace(), call.param("session")));
  return replyJson(call, 200, {{"session", s.id}, {"lease_ms", s.lease_ms}, {"expiry_unix_ms", s.expiry_unix_ms}});
}

Status endSessionRoute(fs::FileSystemService& service, Tables& t, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  RETURN_IF_ERROR(t.sessions.end(call.workspace(), call.param("session")));
  return replyJson(call, 200, {{"ended", true}});
}

// --- locks ---

Result<fs::LockEntry> lockRequest(const json& req) {
  fs::LockEntry l;
  ASSIGN_OR_RETURN(l.session, requiredString(req, "session"));
  ASSIGN_OR_RETURN(auto owner, optionalUint(req, "owner"));
  ASSIGN_OR_RETURN(std::string kind, requiredString(req, "kind"));
  ASSIGN_OR_RETURN(std::string type, requiredString(req, "type"));
  ASSIGN_OR_RETURN(auto start, optionalUint(req, "start"));
  ASSIGN_OR_RETURN(auto end, optionalUint(req, "end"));
  ASSIGN_OR_RETURN(auto pid, optionalUint(req, "pid"));
  if (!owner) return invalidArgument("field 'owner' is required");
  if (!fs::isSessionId(l.session)) return invalidArgument("bad session id");
  if (kind == "flock") {
    l.kind = fs::LockKind::kFlock;
  } else if (kind == "posix") {
    l.kind = fs::LockKind::kPosix;
  } else {
    return invalidArgument("kind must be flock or posix");
  }
  if (type == "read") {
    l.type = fs::LockType::kRead;
  } else if (type == "write") {
    l.type = fs::LockType::kWrite;
  } else if (type == "unlock") {
    l.type = fs::LockType::kUnlock;
  } else {
    return invalidArgument("type must be read, write or unlock");
  }
  l.owner = *owner;
  l.start = start.value_or(0);
  l.end = end.value_or(fs::kLockToEnd);
  l.pid = static_cast<uint32_t>(pid.value_or(0));
  if (l.kind == fs::LockKind::kFlock) {
    l.start = 0;
    l.end = fs::kLockToEnd;
  }
  if (l.start > l.end) return invalidArgument("lock range start is past its end");
  return l;
}

json lockJson(const std::optional<fs::LockEntry>& l) {
  if (!l) return nullptr;
  return {{"type", l->type == fs::LockType::kWrite ? "write" : "read"},
          {"start", l->start}, {"end", l->end}, {"pid", l->pid},
          {"kind", l->kind == fs::LockKind::kFlock ? "flock" : "posix"}};
}

Status lockRoute(fs::FileSystemService& service, Tables& t, Call& call, bool test_only) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::InodeId ino, inoParam(call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(fs::LockEntry l, lockRequest(req));
  if (test_only) {
    if (l.type == fs::LockType::kUnlock) return invalidArgument("getlk needs read or write");
    ASSIGN_OR_RETURN(auto conflict, t.locks.test(call.workspace(), fsys->name(), ino, l));
    return replyJson(call, 200, {{"conflict", lockJson(conflict)}});
  }
  if (l.type != fs::LockType::kUnlock) {
    ASSIGN_OR_RETURN(fs::Attr attr, fsys->getattr(ino));  // 404 for a removed file
    (void)attr;
  }
  ASSIGN_OR_RETURN(auto conflict, t.locks.apply(call.workspace(), fsys->name(), ino, l));
  return replyJson(call, 200, {{"granted", !conflict.has_value()}, {"conflict", lockJson(conflict)}});
}

}  // namespace

void addInodeRoutes(Router& router, fs::FileSystemService& service, db::Engine& engine) {
  metrics::describe("strata_mount_commits_total", metrics::Type::kCounter,
                    "File contents committed by mounts (commit by inode).");
  metrics::describe("strata_mount_inline_chunks_total", metrics::Type::kCounter,
                    "Chunks whose bytes came inline in a mount's commit (small files).");
  metrics::describe("strata_mount_syncs_total", metrics::Type::kCounter,
                    "Explicit syncs asked by mounts (fsync with nothing to commit, fsyncdir, syncfs).");
  auto t = std::make_shared<Tables>(engine);
  auto& s = service;
  const std::string p = "/api/v1/fs/{fs}/inodes/{ino}";
  auto add = [&](const char* method, std::string pattern, std::string name, Access access,
                 uint64_t limit, Handler h) {
    router.add(method, pattern, std::move(name), access, limit, std::move(h));
  };
  add("GET", p, "mount.getattr", Access::kRead, kNoBody, [&s](Call& c) { return getattrRoute(s, c); });
  add("GET", p + "/lookup", "mount.lookup", Access::kRead, kNoBody, [&s](Call& c) { return lookupRoute(s, c); });
  add("POST", p + "/setattr", "mount.setattr", Access::kWrite, kJsonBodyLimit,
      [&s](Call& c) { return setattrRoute(s, c); });
  add("POST", p + "/mkdir", "mount.mkdir", Access::kWrite, kJsonBodyLimit,
      [&s](Call& c) { return makeRoute(s, c, MakeKind::kDir); });
  add("POST", p + "/create", "mount.create", Access::kWrite, kJsonBodyLimit,
      [&s](Call& c) { return makeRoute(s, c, MakeKind::kFile); });
  add("POST", p + "/symlink", "mount.symlink", Access::kWrite, kJsonBodyLimit,
      [&s](Call& c) { return makeRoute(s, c, MakeKind::kSymlink); });
  add("GET", p + "/readlink", "mount.readlink", Access::kRead, kNoBody, [&s](Call& c) { return readlinkRoute(s, c); });
  add("POST", p + "/link", "mount.link", Access::kWrite, kJsonBodyLimit, [&s](Call& c) { return linkRoute(s, c); });
  add("POST", p + "/unlink", "mount.unlink", Access::kWrite, kJsonBodyLimit,
      [&s](Call& c) { return removeRoute(s, c, false); });
  add("POST", p + "/rmdir", "mount.rmdir", Access::kWrite, kJsonBodyLimit,
      [&s](Call& c) { return removeRoute(s, c, true); });
  add("POST", p + "/rename", "mount.rename", Access::kWrite, kJsonBodyLimit,
      [&s](Call& c) { return renameRoute(s, c); });
  add("GET", p + "/readdir", "mount.readdir", Access::kRead, kNoBody, [&s](Call& c) { return readdirRoute(s, c); });
  add("GET", p + "/xattr", "mount.getxattr", Access::kRead, kNoBody, [&s](Call& c) { return getxattrRoute(s, c); });
  add("GET", p + "/xattrs", "mount.listxattr", Access::kRead, kNoBody, [&s](Call& c) { return listxattrRoute(s, c); });
  add("POST", p + "/xattr", "mount.setxattr", Access::kWrite, kJsonBodyLimit,
      [&s](Call& c) { return setxattrRoute(s, c); });
  add("POST", p + "/xattr/remove", "mount.removexattr", Access::kWrite, kJsonBodyLimit,
      [&s](Call& c) { return removexattrRoute(s, c); });
  add("GET", p + "/chunks", "mount.chunks", Access::kRead, kNoBody, [&s](Call& c) { return chunksRoute(s, c); });
  add("POST", p + "/commit", "mount.commit", Access::kWrite, kCommitBodyLimit,
      [&s](Call& c) { return commitRoute(s, c); });
  add("POST", p + "/lock", "mount.lock", Access::kRead, kJsonBodyLimit,
      [&s, t](Call& c) { return lockRoute(s, *t, c, false); });
  add("POST", p + "/getlk", "mount.getlk", Access::kRead, kJsonBodyLimit,
      [&s, t](Call& c) { return lockRoute(s, *t, c, true); });
  add("GET", "/api/v1/fs/{fs}/statfs", "mount.statfs", Access::kRead, kNoBody,
      [&s](Call& c) { return statfsRoute(s, c); });
  add("POST", "/api/v1/fs/{fs}/sync", "mount.sync", Access::kWrite, kNoBody, [&s](Call& c) { return syncRoute(s, c); });
  add("POST", "/api/v1/fs/{fs}/sessions", "mount.session_create", Access::kRead, kJsonBodyLimit,
      [&s, t](Call& c) { return createSessionRoute(s, *t, c); });
  add("POST", "/api/v1/fs/{fs}/sessions/{session}/heartbeat", "mount.session_heartbeat", Access::kRead,
      kNoBody, [&s, t](Call& c) { return heartbeatRoute(s, *t, c); });
  add("DELETE", "/api/v1/fs/{fs}/sessions/{session}", "mount.session_end", Access::kRead, kNoBody,
      [&s, t](Call& c) { return endSessionRoute(s, *t, c); });
}

}  // namespace strata::server::http
