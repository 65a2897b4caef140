// listObjects: prefix, delimiter (CommonPrefixes), start-after / marker / continuation, max-keys.
#include <algorithm>

#include "fs/keys.h"
#include "object/errors.h"
#include "object/names.h"
#include "object/service_impl.h"

namespace strata::object {

Result<ListResult> ObjectServiceImpl::listObjects(std::string_view ws, std::string_view bucket,
                                                  const ListOptions& options) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  const ObjectKeys keys(ws);
  ASSIGN_OR_RETURN(BucketRec b, peekBucket(keys, bucket));
  ListResult out;
  const size_t max = std::min<size_t>(options.max_keys, 1000);
  if (max == 0) return out;

  const std::string base = keys.objectPrefix(b.id);
  const std::string& prefix = options.prefix;
  const std::string& delim = options.delimiter;
  const std::string& after = options.start_after;
  const std::string scan_end = db::prefixEnd(base + prefix);
  std::string from = base + prefix;
  if (!after.empty() && base + after >= from) {
    from = base + after;
    from.push_back('\0');  // the smallest key after `after`
  }
  size_t count = 0;
  bool done = false;
  while (!done) {
    db::ScanOptions opts;
    opts.limit = std::min<size_t>(max - count + 1, 1000);
    ASSIGN_OR_RETURN(auto page, engine_.scan(from, scan_end, opts));
    std::string next_from;
    for (const auto& kv : page) {
      std::string key = kv.key.substr(base.size());
      if (!delim.empty()) {
        size_t pos = key.find(delim, prefix.size());
        if (pos != std::string::npos) {
          std::string cp = key.substr(0, pos + delim.size());
          // A prefix at or before the resume point was returned by an earlier page.
          if (cp > after) {
            if (count == max) {
              out.truncated = true;
              done = true;
              break;
            }
            out.common_prefixes.push_back(cp);
            out.next_after = cp;
            ++count;
          }
          // Skip every key under this prefix with one seek.
          std::string skip = db::prefixEnd(base + cp);
          if (skip.empty() || (!scan_end.empty() && skip >= scan_end)) {
            done = true;
          } else {
            next_from = std::move(skip);
          }
          break;
        }
      }
      if (count == max) {
        out.truncated = true;
        done = true;
        break;
      }
      ASSIGN_OR_RETURN(ObjectInfo info, decodeObject(kv.value));
      info.key = key;
      info.bucket_id = b.id;
      out.next_after = key;
      out.objects.push_back(std::move(info));
      ++count;
    }
    if (done) break;
    if (!next_from.empty()) {
      from = std::move(next_from);
    } else if (page.size() < opts.limit) {
      break;
    } else {
      from = page.back().key;
      from.push_back('\0');
    }
  }
  if (!out.truncated) out.next_after.clear();
  return out;
}

}  // namespace strata::object
