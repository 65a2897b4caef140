// Client calls of the object-storage REST API (docs/api-object.md). Thread-safe like Client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.h"
#include "client/http.h"

namespace strata::client {

struct ObjectBucket {
  std::string name;
  bool is_public = false;
  int64_t created_unix = 0;
};

struct ObjectEntry {
  std::string key;
  uint64_t size = 0;
  std::string etag;
  int64_t modified_unix = 0;
  std::string content_type;
};

struct ObjectPage {
  std::vector<ObjectEntry> objects;
  std::vector<std::string> common_prefixes;
  std::string next_cursor;  // "" on the last page
};

struct ObjectUrl {
  std::string url;
  bool is_public = false;            // a plain URL of a public bucket (no expiry)
  std::optional<int64_t> expires_unix;  // presigned URLs only
};

Result<std::vector<ObjectBucket>> objectListBuckets(const Client& c);
Status objectCreateBucket(const Client& c, std::string_view bucket, bool is_public);
Status objectDeleteBucket(const Client& c, std::string_view bucket);

// Uploads `body` (borrowed for the call) as one object. A missing key is kNotFound, as is a
// missing bucket (the message tells them apart).
Result<ObjectEntry> objectPut(const Client& c, std::string_view bucket, std::string_view key,
                              std::string_view body, std::string_view content_type = {});
// Streams the object's bytes to `sink` (retried only before the first byte arrived).
Status objectGet(const Client& c, std::string_view bucket, std::string_view key, const Sink& sink);
// Whether the key existed.
Result<bool> objectDelete(const Client& c, std::string_view bucket, std::string_view key);
// One page of a listing; limit 1..1000.
Result<ObjectPage> objectList(const Client& c, std::string_view bucket, std::string_view prefix,
                              std::string_view delimiter, std::string_view cursor, int limit = 1000);
// A URL that reads the object without a token; `expires_seconds` 1..604800.
Result<ObjectUrl> objectTemporaryUrl(const Client& c, std::string_view bucket, std::string_view key,
                                     int64_t expires_seconds = 900);

}  // namespace strata::client
