#include "client/client.h"

#include <nlohmann/json.hpp>

#include <cstring>

#include "client/errors.h"
#include "client/json_codec.h"
#include "common/bytes.h"
#include "common/sha256.h"

namespace strata::client {
namespace {

using Json = nlohmann::json;

constexpr char kJson[] = "application/json";
constexpr char kOctets[] = "application/octet-stream";

std::string dumpJson(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

HttpRequest request(std::string method, std::string target, bool idempotent) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.idempotent = idempotent;
  return r;
}

}  // namespace

Client::Client(Options options) {
  HttpClient::Options h;
  h.base_url = std::move(options.url);
  h.token = std::move(options.token);
  h.max_attempts = options.max_attempts;
  http_ = std::make_unique<HttpClient>(std::move(h));
}

Client::~Client() = default;

Result<HttpResponse> Client::call(HttpRequest req) const {
  ASSIGN_OR_RETURN(HttpResponse resp, http_->send(req));
  if (resp.status < 200 || resp.status >= 300) return statusFromResponse(resp.status, resp.body);
  return resp;
}

std::string Client::fsPrefix(std::string_view fs) const { return "/api/v1/fs/" + urlEncode(fs, false); }

Result<WhoAmI> Client::whoami() const {
  ASSIGN_OR_RETURN(auto resp, call(request("GET", "/api/v1/whoami", true)));
  return json::decodeWhoAmI(resp.body);
}

Result<std::vector<std::string>> Client::listFileSystems() const {
  ASSIGN_OR_RETURN(auto resp, call(request("GET", "/api/v1/fs", true)));
  return json::decodeFileSystems(resp.body);
}

Status Client::createFileSystem(std::string_view name) const {
  std::string body = dumpJson({{"name", std::string(name)}});
  HttpRequest req = request("POST", "/api/v1/fs", false);
  req.body = body;
  req.content_type = kJson;
  return call(std::move(req)).status();
}

Result<Entry> Client::stat(std::string_view fs, std::string_view path) const {
  ASSIGN_OR_RETURN(auto resp, call(request("GET", fsPrefix(fs) + "/stat?path=" + urlEncode(path), true)));
  return json::decodeEntry(resp.body);
}

Result<ListPage> Client::list(std::string_view fs, std::string_view path, std::string_view cursor, int limit) const {
  std::string target = fsPrefix(fs) + "/list?path=" + urlEncode(path) + "&limit=" + std::to_string(limit);
  if (!cursor.empty()) target += "&cursor=" + urlEncode(cursor, false);
  ASSIGN_OR_RETURN(auto resp, call(request("GET", std::move(target), true)));
  return json::decodeListPage(resp.body);
}

Result<ListPage> Client::listTree(std::string_view fs, std::string_view path, std::string_view cursor,
                                  int limit) const {
  std::string target =
      fsPrefix(fs) + "/list?recursive=true&path=" + urlEncode(path) + "&limit=" + std::to_string(limit);
  if (!cursor.empty()) target += "&cursor=" + urlEncode(cursor, false);
  ASSIGN_OR_RETURN(auto resp, call(request("GET", std::move(target), true)));
  return json::decodeTreePage(resp.body);
}

Result<Entry> Client::mkdir(std::string_view fs, std::string_view path, bool parents, uint32_t mode) const {
  std::string body = dumpJson({{"path", std::string(path)}, {"parents", parents}, {"mode", mode}});
  HttpRequest req = request("POST", fsPrefix(fs) + "/mkdir", false);
  req.body = body;
  req.content_type = kJson;
  ASSIGN_OR_RETURN(auto resp, call(std::move(req)));
  return json::decodeEntry(resp.body);
}

Status Client::remove(std::string_view fs, std::string_view path, bool recursive) const {
  std::string target = fsPrefix(fs) + "/files?path=" + urlEncode(path) + "&recursive=" + (recursive ? "true" : "false");
  return call(request("DELETE", std::move(target), false)).status();
}

Result<Entry> Client::move(std::string_view fs, std::string_view from, std::string_view to, bool no_replace) const {
  std::string body = dumpJson({{"from", std::string(from)}, {"to", std::string(to)}, {"no_replace", no_replace}});
  HttpRequest req = request("POST", fsPrefix(fs) + "/move", false);
  req.body = body;
  req.content_type = kJson;
  ASSIGN_OR_RETURN(auto resp, call(std::move(req)));
  return json::decodeEntry(resp.body);
}

Result<fs::Usage> Client::usage(std::string_view fs, std::optional<std::string_view> path) const {
  std::string target = fsPrefix(fs) + "/usage";
  if (path) target += "?path=" + urlEncode(*path);
  ASSIGN_OR_RETURN(auto resp, call(request("GET", std::move(target), true)));
  return json::decodeUsage(resp.body);
}

Result<ChunkMap> Client::chunkMap(std::string_view fs, std::string_view path) const {
  ASSIGN_OR_RETURN(auto resp, call(request("GET", fsPrefix(fs) + "/chunkmap?path=" + urlEncode(path), true)));
  return json::decodeChunkMap(resp.body);
}

Result<UploadBatch> Client::beginUpload(std::string_view fs, std::span<const Digest> chunks,
                                        std::string_view upload_id) const {
  std::string body = json::encodeUploadBegin(chunks, upload_id);
  HttpRequest req = request("POST", fsPrefix(fs) + "/uploads", true);
  req.body = body;
  req.content_type = kJson;
  ASSIGN_OR_RETURN(auto resp, call(std::move(req)));
  return json::decodeUploadBatch(resp.body);
}

Status Client::putChunk(std::string_view fs, std::string_view upload_id, const Digest& id,
                        std::string_view bytes) const {
  HttpRequest req =
      request("PUT", fsPrefix(fs) + "/chunks/" + id.hex() + "?upload_id=" + urlEncode(upload_id, false), true);
  req.body = bytes;
  req.content_type = kOctets;
  return call(std::move(req)).status();
}

std::string encodeChunkBatch(std::span<const ChunkBody> chunks) {
  size_t total = 0;
  for (const auto& c : chunks) total += 36 + c.bytes.size();
  std::string body;
  body.reserve(total);
  for (const auto& c : chunks) {
    body.append(c.id.raw());
    appendU32BE(body, static_cast<uint32_t>(c.bytes.size()));
    body.append(c.bytes);
  }
  return body;
}

Status Client::putChunks(std::string_view fs, std::string_view upload_id, std::span<const ChunkBody> chunks) const {
  if (chunks.empty()) return Status::OK();
  std::string body = encodeChunkBatch(chunks);
  HttpRequest req = request("POST", fsPrefix(fs) + "/chunks?upload_id=" + urlEncode(upload_id, false), true);
  req.body = body;
  req.content_type = kOctets;
  return call(std::move(req)).status();
}

Result<std::vector<Entry>> Client::commitUpload(std::string_view fs, std::string_view upload_id,
                                                std::span<const CommitFile> files, bool parents) const {
  std::string body = json::encodeCommit(files, parents);
  HttpRequest req = request("POST", fsPrefix(fs) + "/uploads/" + urlEncode(upload_id, false) + "/commit", true);
  req.body = body;
  req.content_type = kJson;
  ASSIGN_OR_RETURN(auto resp, call(std::move(req)));
  return json::decodeCommitResult(resp.body);
}

Status Client::abortUpload(std::string_view fs, std::string_view upload_id) const {
  return call(request("DELETE", fsPrefix(fs) + "/uploads/" + urlEncode(upload_id, false), true)).status();
}

Result<std::vector<WriteResult>> Client::writeFiles(std::string_view fs, std::span<const SmallFile> files,
                                                    bool parents) const {
  if (files.empty()) return std::vector<WriteResult>{};
  std::string body = json::encodeWriteFiles(files);
  HttpRequest req = request("POST", fsPrefix(fs) + "/files:write?parents=" + (parents ? "true" : "false"), true);
  req.body = body;
  req.content_type = kOctets;
  ASSIGN_OR_RETURN(auto resp, call(std::move(req)));
  return json::decodeWriteResults(resp.body, files.size());
}

Status Client::readContent(std::string_view fs, std::string_view path, const Sink& sink,
                           std::optional<ByteRange> range) const {
  HttpRequest req = request("GET", fsPrefix(fs) + "/content?path=" + urlEncode(path), true);
  req.sink = sink;
  if (range) {
    std::string h = "Range: bytes=" + std::to_string(range->first) + "-";
    if (range->last >= 0) h += std::to_string(range->last);
    req.headers.push_back(std::move(h));
  }
  return call(std::move(req)).status();
}

Result<std::string> Client::readChunk(std::string_view fs, const Digest& id) const {
  ASSIGN_OR_RETURN(auto resp, call(request("GET", fsPrefix(fs) + "/chunks/" + id.hex(), true)));
  if (resp.body.size() > fs::kChunkSize || Sha256::of(resp.body) != id) {
    return corruption("chunk ", id.hex(), " from server does not match its id");
  }
  return std::move(resp.body);
}

namespace {

// Parses the files:read body as it streams in: [u32 BE header length][header JSON][chunk bytes].
class FilesReadParser {
 public:
  FilesReadParser(size_t count, const Client::FileVisitor& visit) : count_(count), visit_(visit) {}

  Status feed(std::string_view data) {
    buf_.append(data.data(), data.size());
    for (;;) {
      if (!have_header_) {
        if (buf_.size() - pos_ < 4) break;
        const uint32_t n = readU32BE(std::string_view(buf_).substr(pos_, 4));
        if (n > (8u << 20)) return corruption("files:read: header of ", std::to_string(n), " bytes");
        if (buf_.size() - pos_ < 4 + static_cast<size_t>(n)) break;
        if (index_ >= count_) return corruption("files:read: more files than asked for");
        ASSIGN_OR_RETURN(map_, json::decodeChunkMap(std::string_view(buf_).substr(pos_ + 4, n)));
        pos_ += 4 + n;
        need_ = 0;
        for (const auto& c : map_.chunks) need_ += c.length;
        have_header_ = true;
      }
      if (buf_.size() - pos_ < need_) break;
      RETURN_IF_ERROR(deliver(std::string_view(buf_).substr(pos_, need_)));
      pos_ += need_;
      have_header_ = false;
    }
    // Drop consumed bytes once they dominate, so the buffer holds about one file.
    if (pos_ > 0 && pos_ >= buf_.size() / 2) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    return Status::OK();
  }

  Status finish() const {
    if (index_ != count_ || have_header_ || pos_ != buf_.size()) {
      return Status(Code::kUnavailable, "files:read answer ended early");
    }
    return Status::OK();
  }

 private:
  Status deliver(std::string_view data) {
    std::string bytes(map_.size, '\0');
    size_t at = 0;
    for (const auto& c : map_.chunks) {
      std::string_view piece = data.substr(at, c.length);
      if (Sha256::of(piece) != c.id) return corruption("chunk ", c.id.hex(), " from server does not match its id");
      std::memcpy(bytes.data() + c.index * fs::kChunkSize, piece.data(), piece.size());
      at += c.length;
    }
    return visit_(index_++, map_, bytes);
  }

  const size_t count_;
  const Client::FileVisitor& visit_;
  std::string buf_;
  size_t pos_ = 0;
  bool have_header_ = false;
  uint64_t need_ = 0;
  size_t index_ = 0;
  ChunkMap map_;
};

}  // namespace

Status Client::readFiles(std::string_view fs, std::span<const std::string> paths, const FileVisitor& visit) const {
  if (paths.empty()) return Status::OK();
  Json req_json = {{"paths", Json::array()}};
  for (const auto& p : paths) req_json["paths"].push_back(p);
  const std::string body = dumpJson(req_json);
  FilesReadParser parser(paths.size(), visit);
  HttpRequest req = request("POST", fsPrefix(fs) + "/files:read", true);
  req.body = body;
  req.content_type = kJson;
  req.sink = [&parser](std::string_view data) { return parser.feed(data); };
  RETURN_IF_ERROR(call(std::move(req)).status());
  return parser.finish();
}

Result<Token> Client::createToken(std::string_view name, bool read_only, bool admin, bool s3) const {
  std::string body =
      dumpJson({{"name", std::string(name)}, {"read_only", read_only}, {"admin", admin}, {"s3", s3}});
  HttpRequest req = request("POST", "/api/v1/tokens", false);
  req.body = body;
  req.content_type = kJson;
  ASSIGN_OR_RETURN(auto resp, call(std::move(req)));
  return json::decodeToken(resp.body);
}

Result<std::vector<Token>> Client::listTokens() const {
  ASSIGN_OR_RETURN(auto resp, call(request("GET", "/api/v1/tokens", true)));
  return json::decodeTokens(resp.body);
}

Status Client::revokeToken(std::string_view id) const {
  return call(request("DELETE", "/api/v1/tokens/" + urlEncode(id, false), false)).status();
}

}  // namespace strata::client
