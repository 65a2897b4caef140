// small_chunk_bench: what a small file costs the chunk store + metadata engine, with and
// without the small-chunk tier (blob/tiered_store.h), side by side in one run.
//
// Each "file" is one chunk of --size bytes and one metadata commit that references it, the
// way the server stores a small file:
//   single  put() then a synced commit per file (mount close, S3 PutObject, chunk PUT)
//   batch   putBatch() of --batch chunks, one buffered commit per file, then one
//           FileSystemService-style barrier: store.sync() + engine.syncWal() (CLI uploads)
// for both `files` (every chunk a file: LocalStore) and `tiered` (chunks <= 64 KiB in the
// engine), with --threads writers. Prints files/s and the ratio tiered/files.
//
// Build (not part of the CMake build; uses the libraries of a build tree B):
//   g++ -O2 -std=c++20 -I. bench/small_chunk_bench.cc -o /tmp/small_chunk_bench \
//     B/blob/libstrata_blob.a B/db/libstrata_db.a B/common/libstrata_common.a \
//     -lrocksdb -lspdlog -lfmt -lcrypto -lpthread
// Run: /tmp/small_chunk_bench [--files N] [--size BYTES] [--threads T] [--batch B] [--dir D]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "blob/engine_store.h"
#include "blob/local_store.h"
#include "blob/tiered_store.h"
#include "common/sha256.h"
#include "db/rocksdb_engine.h"

using namespace strata;

namespace {

struct Args {
  int files = 4000;
  size_t size = 16 << 10;
  int threads = 4;
  int batch = 100;
  std::string dir = "/tmp";
};

std::string bytes(size_t n, uint64_t seed) {
  std::string s(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& c : s) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

void check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.toString().c_str());
    std::exit(1);
  }
}

// Files per second for one configuration.
double runOne(const Args& a, bool tiered, bool batched) {
  std::string dir = a.dir + "/small-chunk-bench-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  double rate = 0;
  {
    auto engine = db::openRocksDbEngine(dir + "/meta");
    check(engine.status(), "open engine");
    auto files = blob::openLocalStore(dir + "/chunks");
    check(files.status(), "open chunks");
    std::unique_ptr<blob::Store> store =
        tiered ? blob::makeTieredStore(blob::makeEngineStore(**engine), std::move(*files), blob::kDefaultSmallChunkMax)
               : std::move(*files);
    db::Engine& eng = **engine;
    std::atomic<int> next{0};
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < a.threads; ++t) {
      threads.emplace_back([&, t] {
        for (;;) {
          const int first = next.fetch_add(batched ? a.batch : 1);
          if (first >= a.files) return;
          const int n = batched ? std::min(a.batch, a.files - first) : 1;
          std::vector<std::string> datas;
          std::vector<blob::ChunkWrite> writes;
          for (int i = 0; i < n; ++i) datas.push_back(bytes(a.size, first + i + (tiered ? 1u << 30 : 0)));
          for (auto& d : datas) writes.push_back({Sha256::of(d), d});
          if (batched) {
            check(store->putBatch("ws", writes), "putBatch");
          } else {
            check(store->put("ws", writes[0].id, writes[0].data), "put");
          }
          for (int i = 0; i < n; ++i) {
            const std::string key = "ref/" + std::to_string(first + i);
            check(eng.run([&](db::Transaction& txn) { return txn.put(key, writes[i].id.raw()); },
                          {.durability = batched ? db::Durability::kBuffered : db::Durability::kSync}),
                  "commit");
          }
          if (batched) {
            check(store->sync(), "store sync");
            check(eng.syncWal(), "engine sync");
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rate = a.files / secs;
  }
  std::filesystem::remove_all(dir);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--files") a.files = std::atoi(argv[i + 1]);
    else if (k == "--size") a.size = std::strtoull(argv[i + 1], nullptr, 10);
    else if (k == "--threads") a.threads = std::atoi(argv[i + 1]);
    else if (k == "--batch") a.batch = std::atoi(argv[i + 1]);
    else if (k == "--dir") a.dir = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  std::printf("small_chunk_bench: %d files of %zu bytes, %d threads, batch %d\n", a.files, a.size, a.threads, a.batch);
  std::printf("%-8s %12s %12s %8s\n", "mode", "files/s", "tiered/s", "ratio");
  for (bool batched : {false, true}) {
    double f = runOne(a, false, batched);
    double t = runOne(a, true, batched);
    std::printf("%-8s %12.0f %12.0f %7.2fx\n", batched ? "batch" : "single", f, t, t / f);
  }
  return 0;
}
