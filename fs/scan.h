// Paged range scans over a db::Engine or a db::Transaction, so that walking a range of any
// size holds at most `batch` pairs in memory.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "db/engine.h"

namespace strata::fs {

// Calls `visit(const db::KeyValue&) -> Result<bool>` for every pair with begin <= key < end
// in key order until it returns false or an error. `Source` is db::Engine or db::Transaction.
template <class Source, class Visit>
Status scanRange(Source& src, std::string_view begin, std::string_view end, Visit&& visit,
                 size_t batch = 1000) {
  std::string from(begin);
  db::ScanOptions opts;
  opts.limit = batch;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, src.scan(from, end, opts));
    for (const auto& kv : page) {
      ASSIGN_OR_RETURN(bool more, visit(kv));
      if (!more) return Status::OK();
    }
    if (page.size() < batch) return Status::OK();
    from = page.back().key;
    from.push_back('\0');  // the smallest key after the last one seen
  }
}

template <class Source, class Visit>
Status scanPrefix(Source& src, std::string_view prefix, Visit&& visit, size_t batch = 1000) {
  std::string end = db::prefixEnd(prefix);
  return scanRange(src, prefix, end, std::forward<Visit>(visit), batch);
}

}  // namespace strata::fs
