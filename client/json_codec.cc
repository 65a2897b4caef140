#include "client/json_codec.h"

#include <nlohmann/json.hpp>

#include "client/errors.h"
#include "common/bytes.h"

namespace strata::client::json {
namespace {

using nlohmann::json;

Status bad(std::string_view what) { return invalidArgument("bad response from server: ", what); }

Result<json> parse(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  return j;
}

// Typed field readers: a missing optional field keeps the default; a field of the wrong type is
// an error.
template <class T>
Status field(const json& j, const char* name, T& out, bool required = false) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    return required ? bad(std::string("missing field \"") + name + "\"") : Status::OK();
  }
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return bad(std::string("field \"") + name + "\" is not a string");
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return bad(std::string("field \"") + name + "\" is not a boolean");
  } else {
    if (!it->is_number_integer()) return bad(std::string("field \"") + name + "\" is not an integer");
  }
  out = it->get<T>();
  return Status::OK();
}

Result<fs::FileType> parseType(const std::string& s) {
  if (s == "file") return fs::FileType::kRegular;
  if (s == "dir") return fs::FileType::kDirectory;
  if (s == "symlink") return fs::FileType::kSymlink;
  return bad("unknown file type \"" + s + "\"");
}

Result<Entry> entryFrom(const json& j) {
  if (!j.is_object()) return bad("entry is not an object");
  Entry e;
  std::string type;
  RETURN_IF_ERROR(field(j, "name", e.name));
  RETURN_IF_ERROR(field(j, "type", type, true));
  ASSIGN_OR_RETURN(e.attr.type, parseType(type));
  RETURN_IF_ERROR(field(j, "ino", e.attr.ino));
  RETURN_IF_ERROR(field(j, "mode", e.attr.mode));
  RETURN_IF_ERROR(field(j, "uid", e.attr.uid));
  RETURN_IF_ERROR(field(j, "gid", e.attr.gid));
  RETURN_IF_ERROR(field(j, "size", e.attr.size));
  RETURN_IF_ERROR(field(j, "nlink", e.attr.nlink));
  RETURN_IF_ERROR(field(j, "mtime_ns", e.attr.mtime_ns));
  RETURN_IF_ERROR(field(j, "ctime_ns", e.attr.ctime_ns));
  RETURN_IF_ERROR(field(j, "atime_ns", e.attr.atime_ns));
  RETURN_IF_ERROR(field(j, "version", e.attr.version));
  RETURN_IF_ERROR(field(j, "target", e.target));
  return e;
}

Result<fs::ChunkRef> chunkRefFrom(const json& j) {
  if (!j.is_object()) return bad("chunk is not an object");
  fs::ChunkRef ref;
  std::string id;
  RETURN_IF_ERROR(field(j, "index", ref.index, true));
  RETURN_IF_ERROR(field(j, "id", id, true));
  RETURN_IF_ERROR(field(j, "length", ref.length, true));
  auto digest = Digest::fromHex(id);
  if (!digest.ok()) return bad("chunk id is not 64 hex characters");
  ref.id = *digest;
  return ref;
}

Result<Token> tokenFrom(const json& j) {
  if (!j.is_object()) return bad("token is not an object");
  Token t;
  RETURN_IF_ERROR(field(j, "id", t.id, true));
  RETURN_IF_ERROR(field(j, "name", t.name));
  RETURN_IF_ERROR(field(j, "token", t.token));
  RETURN_IF_ERROR(field(j, "read_only", t.read_only));
  RETURN_IF_ERROR(field(j, "admin", t.admin));
  RETURN_IF_ERROR(field(j, "created_unix", t.created_unix));
  RETURN_IF_ERROR(field(j, "access_key_id", t.access_key_id));
  RETURN_IF_ERROR(field(j, "secret_access_key", t.secret_access_key));
  return t;
}

const json* arrayField(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_array() ? &*it : nullptr;
}

}  // namespace

Result<Entry> decodeEntry(std::string_view body) {
  ASSIGN_OR_RETURN(json j, parse(body));
  return entryFrom(j);
}

namespace {

// One page of a listing; `tree` pages name each entry by its path below the listed directory
// ("path") instead of its name.
Result<ListPage> decodePage(std::string_view body, bool tree) {
  ASSIGN_OR_RETURN(json j, parse(body));
  const json* entries = arrayField(j, "entries");
  if (entries == nullptr) return bad("missing \"entries\" array");
  ListPage page;
  page.entries.reserve(entries->size());
  for (const auto& e : *entries) {
    ASSIGN_OR_RETURN(Entry entry, entryFrom(e));
    if (tree) {
      RETURN_IF_ERROR(field(e, "path", entry.name, true));
      if (entry.name.empty()) return bad("empty path in a tree listing");
    }
    page.entries.push_back(std::move(entry));
  }
  RETURN_IF_ERROR(field(j, "next_cursor", page.next_cursor));
  return page;
}

}  // namespace

Result<ListPage> decodeListPage(std::string_view body) { return decodePage(body, false); }

Result<ListPage> decodeTreePage(std::string_view body) { return decodePage(body, true); }

Result<std::vector<WriteResult>> decodeWriteResults(std::string_view body, size_t count) {
  ASSIGN_OR_RETURN(json j, parse(body));
  const json* files = arrayField(j, "files");
  if (files == nullptr) return bad("missing \"files\" array");
  if (files->size() != count) return bad("files:write answered for another number of files");
  std::vector<WriteResult> out;
  out.reserve(count);
  for (const auto& f : *files) {
    if (!f.is_object()) return bad("file result is not an object");
    WriteResult r;
    RETURN_IF_ERROR(field(f, "path", r.path, true));
    auto err = f.find("error");
    if (err != f.end()) {
      std::string code, message;
      if (!err->is_object()) return bad("\"error\" is not an object");
      RETURN_IF_ERROR(field(*err, "code", code, true));
      RETURN_IF_ERROR(field(*err, "message", message));
      r.status = Status(codeFromName(code), message);
      if (r.status.ok()) r.status = Status(Code::kInternal, message);  // unknown code name
      RETURN_IF_ERROR(field(f, "missing", r.missing));
    } else {
      ASSIGN_OR_RETURN(r.entry, entryFrom(f));
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<ChunkMap> decodeChunkMap(std::string_view body) {
  ASSIGN_OR_RETURN(json j, parse(body));
  ChunkMap map;
  RETURN_IF_ERROR(field(j, "size", map.size, true));
  RETURN_IF_ERROR(field(j, "version", map.version));
  RETURN_IF_ERROR(field(j, "mtime_ns", map.mtime_ns));
  const json* chunks = arrayField(j, "chunks");
  if (chunks == nullptr) return bad("missing \"chunks\" array");
  map.chunks.reserve(chunks->size());
  for (const auto& c : *chunks) {
    ASSIGN_OR_RETURN(fs::ChunkRef ref, chunkRefFrom(c));
    const uint64_t end = ref.index * fs::kChunkSize + ref.length;
    if (ref.length == 0 || ref.length > fs::kChunkSize || end > map.size ||
        (!map.chunks.empty() && map.chunks.back().index >= ref.index)) {
      return bad("chunk map is not consistent with the file size");
    }
    map.chunks.push_back(ref);
  }
  return map;
}

Result<UploadBatch> decodeUploadBatch(std::string_view body) {
  ASSIGN_OR_RETURN(json j, parse(body));
  UploadBatch batch;
  RETURN_IF_ERROR(field(j, "upload_id", batch.upload_id, true));
  const json* missing = arrayField(j, "missing");
  if (missing == nullptr) return bad("missing \"missing\" array");
  for (const auto& m : *missing) {
    if (!m.is_string()) return bad("missing chunk id is not a string");
    auto d = Digest::fromHex(m.get<std::string>());
    if (!d.ok()) return bad("missing chunk id is not 64 hex characters");
    batch.missing.push_back(*d);
  }
  return batch;
}

Result<std::vector<Entry>> decodeCommitResult(std::string_view body) {
  ASSIGN_OR_RETURN(json j, parse(body));
  const json* files = arrayField(j, "files");
  if (files == nullptr) return bad("missing \"files\" array");
  std::vector<Entry> out;
  for (const auto& f : *files) {
    ASSIGN_OR_RETURN(Entry e, entryFrom(f));
    out.push_back(std::move(e));
  }
  return out;
}

Result<fs::Usage> decodeUsage(std::string_view body) {
  ASSIGN_OR_RETURN(json j, parse(body));
  fs::Usage u;
  RETURN_IF_ERROR(field(j, "bytes", u.bytes, true));
  RETURN_IF_ERROR(field(j, "files", u.files));
  RETURN_IF_ERROR(field(j, "directories", u.directories));
  RETURN_IF_ERROR(field(j, "symlinks", u.symlinks));
  return u;
}

Result<std::vector<std::string>> decodeFileSystems(std::string_view body) {
  ASSIGN_OR_RETURN(json j, parse(body));
  const json* list = arrayField(j, "filesystems");
  if (list == nullptr) return bad("missing \"filesystems\" array");
  std::vector<std::string> names;
  for (const auto& f : *list) {
    std::string name;
    if (!f.is_object()) return bad("file system is not an object");
    RETURN_IF_ERROR(field(f, "name", name, true));
    names.push_back(std::move(name));
  }
  return names;
}

Result<Token> decodeToken(std::string_view body) {
  ASSIGN_OR_RETURN(json j, parse(body));
  return tokenFrom(j);
}

Result<std::vector<Token>> decodeTokens(std::string_view body) {
  ASSIGN_OR_RETURN(json j, parse(body));
  const json* list = arrayField(j, "tokens");
  if (list == nullptr) return bad("missing \"tokens\" array");
  std::vector<Token> out;
  for (const auto& t : *list) {
    ASSIGN_OR_RETURN(Token tok, tokenFrom(t));
    out.push_back(std::move(tok));
  }
  return out;
}

Result<WhoAmI> decodeWhoAmI(std::string_view body) {
  ASSIGN_OR_RETURN(json j, parse(body));
  WhoAmI w;
  RETURN_IF_ERROR(field(j, "id", w.id));
  RETURN_IF_ERROR(field(j, "name", w.name));
  RETURN_IF_ERROR(field(j, "workspace", w.workspace));
  RETURN_IF_ERROR(field(j, "read_only", w.read_only));
  RETURN_IF_ERROR(field(j, "admin", w.admin));
  return w;
}

std::string encodeUploadBegin(std::span<const Digest> chunks, std::string_view upload_id) {
  json ids = json::array();
  for (const auto& d : chunks) ids.push_back(d.hex());
  json j = {{"chunks", std::move(ids)}};
  if (!upload_id.empty()) j["upload_id"] = std::string(upload_id);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encodeCommit(std::span<const CommitFile> files, bool parents) {
  json list = json::array();
  for (const auto& f : files) {
    json chunks = json::array();
    for (const auto& c : f.chunks) chunks.push_back({{"index", c.index}, {"id", c.id.hex()}, {"length", c.length}});
    list.push_back({{"path", f.path},
                    {"size", f.size},
                    {"chunks", std::move(chunks)},
                    {"mtime_ns", f.mtime_ns},
                    {"mode", f.mode}});
  }
  return json{{"files", std::move(list)}, {"parents", parents}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encodeWriteFiles(std::span<const SmallFile> files) {
  size_t total = 0;
  for (const auto& f : files) total += 4 + 160 + f.path.size() + f.data.size();
  std::string body;
  body.reserve(total);
  for (const auto& f : files) {
    json h = {{"path", f.path}, {"size", f.data.size()}, {"mtime_ns", f.mtime_ns}, {"mode", f.mode}};
    if (!f.data.empty()) h["id"] = f.id.hex();
    if (!f.send_data && !f.data.empty()) h["data"] = false;
    const std::string text = h.dump(-1, ' ', false, json::error_handler_t::replace);
    appendU32BE(body, static_cast<uint32_t>(text.size()));
    body += text;
    if (f.send_data) body.append(f.data);
  }
  return body;
}

std::string_view fileTypeName(fs::FileType type) {
  switch (type) {
    case fs::FileType::kDirectory: return "dir";
    case fs::FileType::kSymlink: return "symlink";
    default: return "file";
  }
}

}  // namespace strata::client::json
