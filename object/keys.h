// Key layout of the object service in db::Engine (docs/object-formats.md). Everything of a
// workspace's object storage lives under "w/<ws>/ob/", beside the fs keys of the same
// workspace (whose chunk layer it shares). Integers are big-endian so byte order is numeric
// order; bucket ids (not names) key objects, so a bucket deleted and created again never
// sees leftovers of the old one. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::object {

// Object versions (the id of one stored chunk list) are 16 random bytes.
constexpr size_t kVersionBytes = 16;
// Upload ids are 32 lowercase hex characters.
constexpr size_t kUploadIdChars = 32;

class ObjectKeys {
 public:
  explicit ObjectKeys(std::string_view ws);

  std::string bucket(std::string_view name) const { return prefix_ + "b/" + std::string(name); }
  std::string bucketPrefix() const { return prefix_ + "b/"; }
  std::string bucketCounter() const { return prefix_ + "n"; }

  // One object per key: its current metadata and version.
  std::string object(uint64_t bucket_id, std::string_view key) const;
  std::string objectPrefix(uint64_t bucket_id) const;
  // The chunk list of one version: one record per chunk, keyed by its offset in the object.
  std::string chunk(uint64_t bucket_id, std::string_view version, uint64_t offset) const;
  std::string chunkPrefix(uint64_t bucket_id, std::string_view version) const;
  std::string chunkAllPrefix() const { return prefix_ + "c/"; }
  // Multipart uploads in progress, ordered by key then upload id.
  std::string upload(uint64_t bucket_id, std::string_view key, std::string_view upload_id) const;
  std::string uploadPrefix(uint64_t bucket_id) const;
  // Parts of one upload, by part number.
  std::string part(uint64_t bucket_id, std::string_view upload_id, uint32_t number) const;
  std::string partPrefix(uint64_t bucket_id, std::string_view upload_id) const;
  std::string partAllPrefix() const { return prefix_ + "p/"; }

 private:
  std::string prefix_;  // "w/<ws>/ob/"
};

}  // namespace strata::object
