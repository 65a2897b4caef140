#include "object/records.h"

#include <cstring>

#include "common/bytes.h"

namespace strata::object {
namespace {

constexpr char kVersion = 1;

class Writer {
 public:
  Writer() { out_.push_back(kVersion); }
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { appendU32BE(out_, v); }
  void u64(uint64_t v) { appendU64BE(out_, v); }
  void i64(int64_t v) { appendU64BE(out_, static_cast<uint64_t>(v)); }
  void raw(std::string_view s) { out_.append(s); }
  // BE16 length + bytes; every string field is far below 64 KiB (checked by the callers).
  void str(std::string_view s) {
    uint16_t n = static_cast<uint16_t>(s.size());
    out_.push_back(static_cast<char>(n >> 8));
    out_.push_back(static_cast<char>(n & 0xff));
    out_.append(s.substr(0, n));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view what, std::string_view v) : what_(what), v_(v) {
    if (v_.empty() || v_[0] != kVersion) bad_ = true;
    else v_.remove_prefix(1);
  }
  uint8_t u8() { return take(1) ? static_cast<uint8_t>(last_[0]) : 0; }
  uint32_t u32() { return take(4) ? readU32BE(last_) : 0; }
  uint64_t u64() { return take(8) ? readU64BE(last_) : 0; }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string raw(size_t n) { return take(n) ? std::string(last_) : std::string(); }
  std::string str() {
    if (!take(2)) return {};
    size_t n = static_cast<size_t>(static_cast<uint8_t>(last_[0])) << 8 |
               static_cast<uint8_t>(last_[1]);
    return raw(n);
  }
  bool bad() const { return bad_; }
  Status finish() const {
    if (bad_ || !v_.empty()) {
      return corruption("malformed ", what_, " record (truncated, trailing bytes or unknown version)");
    }
    return Status::OK();
  }

 private:
  bool take(size_t n) {
    if (bad_ || v_.size() < n) {
      bad_ = true;
      last_ = {};
      return false;
    }
    last_ = v_.substr(0, n);
    v_.remove_prefix(n);
    return true;
  }
  std::string_view what_;
  std::string_view v_;
  std::string_view last_;
  bool bad_ = false;
};

void writeAttrs(Writer& w, const ObjectAttrs& a) {
  w.u8(a.is_public ? 1 : 0);
  w.str(a.content_type);
  w.str(a.content_encoding);
  w.str(a.content_disposition);
  w.str(a.cache_control);
  w.str(a.content_language);
  w.str(a.expires);
  w.u32(static_cast<uint32_t>(a.user.size()));
  for (const auto& [name, value] : a.user) {
    w.str(name);
    w.str(value);
  }
}

void readAttrs(Reader& r, ObjectAttrs& a) {
  a.is_public = r.u8() != 0;
  a.content_type = r.str();
  a.content_encoding = r.str();
  a.content_disposition = r.str();
  a.cache_control = r.str();
  a.content_language = r.str();
  a.expires = r.str();
  uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && !r.bad(); ++i) {
    std::string name = r.str();
    std::string value = r.str();
    a.user.emplace_back(std::move(name), std::move(value));
  }
}

}  // namespace

std::string encodeBucket(const BucketRec& r) {
  Writer w;
  w.u64(r.id);
  w.i64(r.created_ns);
  w.u8(r.is_public ? 1 : 0);
  return w.take();
}

Result<BucketRec> decodeBucket(std::string_view v) {
  Reader r("bucket", v);
  BucketRec b;
  b.id = r.u64();
  b.created_ns = r.i64();
  b.is_public = r.u8() != 0;
  RETURN_IF_ERROR(r.finish());
  return b;
}

std::string encodeObject(const ObjectInfo& info) {
  Writer w;
  w.u64(info.size);
  w.raw(info.version);
  w.i64(info.mtime_ns);
  w.u32(info.parts);
  w.str(info.etag);
  writeAttrs(w, info.attrs);
  return w.take();
}

Result<ObjectInfo> decodeObject(std::string_view v) {
  Reader r("object", v);
  ObjectInfo info;
  info.size = r.u64();
  info.version = r.raw(16);
  info.mtime_ns = r.i64();
  info.parts = r.u32();
  info.etag = r.str();
  readAttrs(r, info.attrs);
  RETURN_IF_ERROR(r.finish());
  return info;
}

std::string encodeChunk(const ChunkRec& c) {
  Writer w;
  w.raw(c.id.raw());
  w.u32(c.length);
  return w.take();
}

Result<ChunkRec> decodeChunk(std::string_view v) {
  Reader r("object chunk", v);
  ChunkRec c;
  std::string id = r.raw(32);
  c.length = r.u32();
  RETURN_IF_ERROR(r.finish());
  c.id = Digest::fromRaw(id);
  return c;
}

std::string encodeUpload(const UploadRec& u) {
  Writer w;
  w.i64(u.initiated_ns);
  writeAttrs(w, u.attrs);
  return w.take();
}

Result<UploadRec> decodeUpload(std::string_view v) {
  Reader r("multipart upload", v);
  UploadRec u;
  u.initiated_ns = r.i64();
  readAttrs(r, u.attrs);
  RETURN_IF_ERROR(r.finish());
  return u;
}

std::string encodePart(const PartRec& p) {
  Writer w;
  w.i64(p.mtime_ns);
  w.u64(p.size);
  w.raw(std::string_view(reinterpret_cast<const char*>(p.md5.data()), p.md5.size()));
  w.u32(static_cast<uint32_t>(p.chunks.size()));
  for (const auto& c : p.chunks) {
    w.raw(c.id.raw());
    w.u32(c.length);
  }
  return w.take();
}

Result<PartRec> decodePart(std::string_view v) {
  Reader r("multipart part", v);
  PartRec p;
  p.mtime_ns = r.i64();
  p.size = r.u64();
  std::string md5 = r.raw(16);
  if (md5.size() == 16) std::memcpy(p.md5.data(), md5.data(), 16);
  uint32_t n = r.u32();
  // Each chunk takes 36 bytes: refuse a count the value cannot hold before reserving.
  if (static_cast<uint64_t>(n) * 36 > v.size()) {
    return corruption("malformed multipart part record (chunk count)");
  }
  p.chunks.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    std::string id = r.raw(32);
    uint32_t len = r.u32();
    if (id.size() != 32) break;
    p.chunks.push_back(ChunkRec{Digest::fromRaw(id), len});
  }
  RETURN_IF_ERROR(r.finish());
  return p;
}

std::string md5Hex(const std::array<uint8_t, 16>& md5) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (uint8_t b : md5) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace strata::object
