#include "fs/records.h"

#include <string>

#include "common/bytes.h"

namespace strata::fs {
namespace {

constexpr uint8_t kVersion = 1;

// Sequential reader over one record; every read is bounds-checked and a failure sticks.
class Reader {
 public:
  Reader(std::string_view what, std::string_view in) : what_(what), in_(in) {
    if (in_.empty() || static_cast<uint8_t>(in_[0]) != kVersion) {
      ok_ = false;
    } else {
      in_.remove_prefix(1);
    }
  }
  uint8_t u8() {
    if (!need(1)) return 0;
    uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  uint16_t u16() { return static_cast<uint16_t>(u8()) << 8 | u8(); }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = readU32BE(in_);
    in_.remove_prefix(4);
    return v;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    uint64_t v = readU64BE(in_);
    in_.remove_prefix(8);
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string_view bytes(size_t n) {
    if (!need(n)) return {};
    std::string_view v = in_.substr(0, n);
    in_.remove_prefix(n);
    return v;
  }
  std::string_view rest() {
    std::string_view v = in_;
    in_ = {};
    return v;
  }
  // kCorruption unless every read succeeded and (when `exact`) nothing is left over.
  Status finish(bool exact = true) const {
    if (!ok_ || (exact && !in_.empty())) {
      return corruption("undecodable ", what_, " record");
    }
    return Status::OK();
  }

 private:
  bool need(size_t n) {
    if (!ok_ || in_.size() < n) ok_ = false;
    return ok_;
  }
  std::string_view what_;
  std::string_view in_;
  bool ok_ = true;
};

std::string start() { return std::string(1, static_cast<char>(kVersion)); }
void putU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
void putI64(std::string& out, int64_t v) { appendU64BE(out, static_cast<uint64_t>(v)); }

bool validType(uint8_t t) { return t >= 1 && t <= 3; }

}  // namespace

std::string encodeInode(const InodeRec& r) {
  const Attr& a = r.attr;
  std::string out = start();
  out.reserve(80 + r.target.size());
  putU8(out, static_cast<uint8_t>(a.type));
  appendU32BE(out, a.mode);
  appendU32BE(out, a.uid);
  appendU32BE(out, a.gid);
  appendU64BE(out, a.size);
  appendU32BE(out, a.nlink);
  putI64(out, a.atime_ns);
  putI64(out, a.mtime_ns);
  putI64(out, a.ctime_ns);
  appendU64BE(out, a.version);
  appendU64BE(out, r.parent);
  out += r.target;
  return out;
}

Result<InodeRec> decodeInode(InodeId ino, std::string_view v) {
  Reader in("inode", v);
  InodeRec r;
  Attr& a = r.attr;
  a.ino = ino;
  uint8_t type = in.u8();
  a.type = static_cast<FileType>(type);
  a.mode = in.u32();
  a.uid = in.u32();
  a.gid = in.u32();
  a.size = in.u64();
  a.nlink = in.u32();
  a.atime_ns = in.i64();
  a.mtime_ns = in.i64();
  a.ctime_ns = in.i64();
  a.version = in.u64();
  r.parent = in.u64();
  r.target = std::string(in.rest());
  RETURN_IF_ERROR(in.finish());
  if (!validType(type)) return corruption("inode ", std::to_string(ino), " has a bad type");
  return r;
}

std::string encodeDirent(const DirentRec& r) {
  std::string out = start();
  appendU64BE(out, r.ino);
  putU8(out, static_cast<uint8_t>(r.type));
  return out;
}

Result<DirentRec> decodeDirent(std::string_view v) {
  Reader in("directory entry", v);
  DirentRec r;
  r.ino = in.u64();
  uint8_t type = in.u8();
  RETURN_IF_ERROR(in.finish());
  if (!validType(type)) return corruption("directory entry has a bad type");
  r.type = static_cast<FileType>(type);
  return r;
}

std::string encodeChunkRef(const ChunkRefRec& r) {
  std::string out = start();
  out += r.id.raw();
  appendU32BE(out, r.length);
  return out;
}

Result<ChunkRefRec> decodeChunkRef(std::string_view v) {
  Reader in("chunk reference", v);
  ChunkRefRec r;
  std::string_view raw = in.bytes(32);
  r.length = in.u32();
  RETURN_IF_ERROR(in.finish());
  r.id = Digest::fromRaw(raw);
  return r;
}

std::string encodeFs(const FsRec& r) {
  std::string out = start();
  appendU64BE(out, r.fsid);
  putI64(out, r.created_ns);
  return out;
}

Result<FsRec> decodeFs(std::string_view v) {
  Reader in("file system", v);
  FsRec r;
  r.fsid = in.u64();
  r.created_ns = in.i64();
  RETURN_IF_ERROR(in.finish());
  return r;
}

std::string encodeCounter(uint64_t v) {
  std::string out = start();
  appendU64BE(out, v);
  return out;
}

Result<uint64_t> decodeCounter(std::string_view what, std::string_view v) {
  Reader in(what, v);
  uint64_t n = in.u64();
  RETURN_IF_ERROR(in.finish());
  return n;
}

std::string encodeGc(const GcRec& r) {
  std::string out = start();
  putI64(out, r.queued_unix);
  putU8(out, r.deleting ? 1 : 0);
  putI64(out, r.marked_unix);
  return out;
}

Result<GcRec> decodeGc(std::string_view v) {
  Reader in("collector queue", v);
  GcRec r;
  r.queued_unix = in.i64();
  r.deleting = in.u8() != 0;
  r.marked_unix = in.i64();
  RETURN_IF_ERROR(in.finish());
  return r;
}

bool PinRec::liveAt(int64_t now_unix) const {
  for (const auto& e : entries) {
    if (e.expiry_unix > now_unix) return true;
  }
  return false;
}

std::string encodePin(const PinRec& r) {
  std::string out = start();
  putU8(out, static_cast<uint8_t>(r.entries.size() >> 8));
  putU8(out, static_cast<uint8_t>(r.entries.size()));
  for (const auto& e : r.entries) {
    putU8(out, static_cast<uint8_t>(e.upload_id.size()));
    out += e.upload_id;
    putI64(out, e.expiry_unix);
  }
  return out;
}

Result<PinRec> decodePin(std::string_view v) {
  Reader in("pin", v);
  PinRec r;
  uint16_t n = in.u16();
  for (uint16_t i = 0; i < n; ++i) {
    PinEntry e;
    uint8_t len = in.u8();
    e.upload_id = std::string(in.bytes(len));
    e.expiry_unix = in.i64();
    r.entries.push_back(std::move(e));
    if (!in.finish(false).ok()) break;
  }
  RETURN_IF_ERROR(in.finish());
  return r;
}

std::string encodeUpload(const UploadRec& r) {
  std::string out = start();
  putI64(out, r.created_unix);
  putI64(out, r.expiry_unix);
  return out;
}

Result<UploadRec> decodeUpload(std::string_view v) {
  Reader in("upload", v);
  UploadRec r;
  r.created_unix = in.i64();
  r.expiry_unix = in.i64();
  RETURN_IF_ERROR(in.finish());
  return r;
}

std::string encodeUsage(const UsageRec& r) {
  std::string out = start();
  putI64(out, r.bytes);
  putI64(out, r.files);
  putI64(out, r.directories);
  putI64(out, r.symlinks);
  return out;
}

Result<UsageRec> decodeUsage(std::string_view v) {
  Reader in("usage", v);
  UsageRec r;
  r.bytes = in.i64();
  r.files = in.i64();
  r.directories = in.i64();
  r.symlinks = in.i64();
  RETURN_IF_ERROR(in.finish());
  return r;
}

std::string encodeXattr(std::string_view value) {
  std::string out = start();
  out += value;
  return out;
}

Result<std::string> decodeXattr(std::string_view v) {
  Reader in("xattr", v);
  std::string value(in.rest());
  RETURN_IF_ERROR(in.finish());
  return value;
}

}  // namespace strata::fs
