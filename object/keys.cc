#include "object/keys.h"

#include "common/bytes.h"

namespace strata::object {

ObjectKeys::ObjectKeys(std::string_view ws) : prefix_("w/" + std::string(ws) + "/ob/") {}

std::string ObjectKeys::object(uint64_t bucket_id, std::string_view key) const {
  std::string k = objectPrefix(bucket_id);
  k.append(key);
  return k;
}

std::string ObjectKeys::objectPrefix(uint64_t bucket_id) const {
  std::string k = prefix_ + "k/";
  appendU64BE(k, bucket_id);
  return k;
}

std::string ObjectKeys::chunk(uint64_t bucket_id, std::string_view version,
                              uint64_t offset) const {
  std::string k = chunkPrefix(bucket_id, version);
  appendU64BE(k, offset);
  return k;
}

std::string ObjectKeys::chunkPrefix(uint64_t bucket_id, std::string_view version) const {
  std::string k = prefix_ + "c/";
  appendU64BE(k, bucket_id);
  k.append(version);
  return k;
}

std::string ObjectKeys::upload(uint64_t bucket_id, std::string_view key,
                               std::string_view upload_id) const {
  std::string k = uploadPrefix(bucket_id);
  k.append(key);
  k.push_back('\0');  // keys hold no NUL: "a" sorts before "a/b" and never matches a longer key
  k.append(upload_id);
  return k;
}

std::string ObjectKeys::uploadPrefix(uint64_t bucket_id) const {
  std::string k = prefix_ + "u/";
  appendU64BE(k, bucket_id);
  return k;
}

std::string ObjectKeys::part(uint64_t bucket_id, std::string_view upload_id,
                             uint32_t number) const {
  std::string k = partPrefix(bucket_id, upload_id);
  appendU32BE(k, number);
  return k;
}

std::string ObjectKeys::partPrefix(uint64_t bucket_id, std::string_view upload_id) const {
  std::string k = prefix_ + "p/";
  appendU64BE(k, bucket_id);
  k.append(upload_id);
  return k;
}

}  // namespace strata::object
