// Value types of the REST API as the C++ client sees them (docs/api.md). Plain structs, no JSON:
// the wire encoding lives in client/json_codec.cc so callers never depend on a JSON library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "fs/types.h"

namespace strata::client {

// One directory entry or one stat result. `name` is empty for stat; `target` is set for
// symlinks only.
struct Entry {
  std::string name;
  fs::Attr attr;
  std::string target;

  bool isDir() const { return attr.type == fs::FileType::kDirectory; }
  bool isFile() const { return attr.type == fs::FileType::kRegular; }
  bool isSymlink() const { return attr.type == fs::FileType::kSymlink; }
};

// One page of GET /list. `next_cursor` is empty on the last page. In a recursive listing
// (Client::listTree) `name` is the path relative to the listed directory ("a/b.txt").
struct ListPage {
  std::vector<Entry> entries;
  std::string next_cursor;
};

// GET /chunkmap: the chunk list of one version of a file. Indexes missing below `size` are
// holes (zeros).
struct ChunkMap {
  uint64_t size = 0;
  uint64_t version = 0;
  int64_t mtime_ns = 0;
  std::vector<fs::ChunkRef> chunks;
};

// POST /uploads: the upload that pins the named chunks, and those of them the server lacks.
struct UploadBatch {
  std::string upload_id;
  std::vector<Digest> missing;
};

// One chunk body for the batch endpoint POST /chunks. `bytes` is borrowed, not owned.
struct ChunkBody {
  Digest id;
  std::string_view bytes;
};

// One file of POST /uploads/{id}/commit.
struct CommitFile {
  std::string path;
  uint64_t size = 0;
  std::vector<fs::ChunkRef> chunks;
  int64_t mtime_ns = 0;
  uint32_t mode = 0644;
};

// One file of POST /files:write (many small files, bytes inline). `data` is borrowed; its
// SHA-256 is `id` (unset for an empty file). At most 4 MiB. Without `send_data` only the id
// travels: the file references the chunk if the server holds it (else the result says
// `missing` and the bytes must be sent).
struct SmallFile {
  std::string path;
  std::string_view data;
  Digest id;
  bool send_data = true;
  int64_t mtime_ns = 0;
  uint32_t mode = 0644;
};

// What POST /files:write did with one file: OK and its entry, or the error of that file (the
// server changed nothing of it).
struct WriteResult {
  std::string path;
  Status status;
  bool missing = false;  // sent without data and the server lacks the chunk: send the bytes
  Entry entry;
};

struct Token {
  std::string id;
  std::string name;
  std::string token;  // the secret text; only set by createToken
  // Set by createToken with s3: the S3 credential made with the token (shown once).
  std::string access_key_id;
  std::string secret_access_key;
  bool read_only = false;
  bool admin = false;
  int64_t created_unix = 0;
};

struct WhoAmI {
  std::string id;
  std::string name;
  std::string workspace;
  bool read_only = false;
  bool admin = false;
};

// Inclusive byte range for GET /content; `last` < 0 means "to the end".
struct ByteRange {
  uint64_t first = 0;
  int64_t last = -1;
};

}  // namespace strata::client
