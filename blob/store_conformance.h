// The blob::Store conformance suite: the promises of blob/store.h as typed tests that every
// backend must pass. A backend instantiates it in its own test file with one line:
//
//   INSTANTIATE_TYPED_TEST_SUITE_P(Local, StoreConformance, ::testing::Types<LocalStoreFactory>);
//
// The type parameter is a Factory:
//
//   struct MyFactory {
//     MyFactory();                               // creates a fresh, empty store
//     ~MyFactory();                              // removes it
//     Result<std::unique_ptr<Store>> open();     // opens that store; calling it again after the
//                                                // previous Store is destroyed reopens it
//     // Damages the stored bytes of a chunk behind the store's back (flips one byte), to check
//     // that the damage is detected. REQUIRES: the chunk exists and is not empty.
//     void corrupt(std::string_view ns, const ChunkId& id);
//   };
//
// Each test gets its own Factory object.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "blob/store.h"
#include "common/clock.h"

namespace strata::blob {

// Flips the byte at `offset` of a stored chunk file: the corrupt() of file-backed factories.
inline void flipFileByte(const std::string& path, std::streamoff offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.is_open()) << path;
  f.seekg(offset);
  char c = 0;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x01));
}

template <class Factory>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    auto store = factory_.open();
    ASSERT_TRUE(store.ok()) << store.status().toString();
    store_ = std::move(store).value();
  }
  void reopen() {
    store_.reset();
    open();
  }

  // Deterministic, distinct bytes for chunk number `seed`.
  static std::string bytes(size_t size, uint32_t seed) {
    std::string out(size, '\0');
    uint32_t x = seed * 2654435761u + 1;
    for (auto& c : out) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      c = static_cast<char>(x);
    }
    return out;
  }
  // Stores `data` and returns its id.
  ChunkId put(std::string_view ns, const std::string& data) {
    ChunkId id = Sha256::of(data);
    Status s = store_->put(ns, id, data);
    EXPECT_TRUE(s.ok()) << s.toString();
    return id;
  }
  // The chunk's bytes, or a description of the error (which then fails the comparison).
  std::string read(std::string_view ns, const ChunkId& id) {
    auto r = store_->get(ns, id);
    return r.ok() ? *r : "<" + r.status().toString() + ">";
  }
  // getSlice()'s bytes (read from its file when it has one), or a description of the error.
  std::string slice(std::string_view ns, const ChunkId& id, uint64_t offset, uint64_t length) {
    auto r = store_->getSlice(ns, id, offset, length);
    if (!r.ok()) return "<" + r.status().toString() + ">";
    if (!r->file) return r->bytes;
    std::string out(r->length, '\0');
    ssize_t n = ::pread(r->file.get(), out.data(), out.size(), static_cast<off_t>(r->offset));
    return n == static_cast<ssize_t>(out.size()) ? out : std::string("<short file>");
  }
  std::set<ChunkId> listed(std::string_view ns) {
    std::set<ChunkId> ids;
    Status s = store_->list(ns, [&](const ChunkInfo& info) {
      EXPECT_TRUE(ids.insert(info.id).second) << "listed twice: " << info.id.hex();
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.toString();
    return ids;
  }

  Factory factory_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreConformance);

TYPED_TEST_P(StoreConformance, PutGetStat) {
  std::string data = this->bytes(100'000, 1);
  int64_t before = nowUnix();
  ChunkId id = this->put("ws1", data);
  auto got = this->store_->get("ws1", id);
  ASSERT_TRUE(got.ok()) << got.status().toString();
  EXPECT_EQ(*got, data);
  auto info = this->store_->stat("ws1", id);
  ASSERT_TRUE(info.ok()) << info.status().toString();
  EXPECT_EQ(info->id, id);
  EXPECT_EQ(info->size, data.size());
  EXPECT_GE(info->mtime_unix, before - 2);
  EXPECT_LE(info->mtime_unix, nowUnix() + 2);
}

TYPED_TEST_P(StoreConformance, EmptyAndMaximumSizeChunks) {
  ChunkId empty = this->put("ws", "");
  EXPECT_EQ(this->read("ws", empty), "");
  EXPECT_EQ(this->store_->stat("ws", empty)->size, 0u);
  std::string max = this->bytes(kMaxChunkSize, 2);
  ChunkId id = this->put("ws", max);
  EXPECT_EQ(this->read("ws", id), max);
}

TYPED_TEST_P(StoreConformance, OversizedChunkIsRejected) {
  std::string big = this->bytes(kMaxChunkSize + 1, 3);
  ChunkId id = Sha256::of(big);
  Status s = this->store_->put("ws", id, big);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(this->store_->stat("ws", id).status().code(), Code::kNotFound);
}

TYPED_TEST_P(StoreConformance, MismatchedIdIsRejectedAndNothingStored) {
  std::string data = this->bytes(4096, 4);
  ChunkId wrong = Sha256::of("something else");
  Status s = this->store_->put("ws", wrong, data);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.toString();
  EXPECT_EQ(this->store_->get("ws", wrong).status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->stat("ws", Sha256::of(data)).status().code(), Code::kNotFound);
  EXPECT_TRUE(this->listed("ws").empty());
}

TYPED_TEST_P(StoreConformance, PutBatchStoresAllOrNothingOnBadId) {
  std::vector<std::string> datas;
  for (int i = 0; i < 50; ++i) datas.push_back(this->bytes(1000 + i, 10 + i));
  std::vector<ChunkWrite> good;
  for (const auto& d : datas) good.push_back({Sha256::of(d), d});
  // One wrong id in the batch: nothing at all is stored.
  std::vector<ChunkWrite> bad = good;
  bad[17].id = Sha256::of("not it");
  EXPECT_EQ(this->store_->putBatch("ws", bad).code(), Code::kInvalidArgument);
  EXPECT_TRUE(this->listed("ws").empty());
  ASSERT_TRUE(this->store_->putBatch("ws", good).ok());
  for (const auto& d : datas) EXPECT_EQ(this->read("ws", Sha256::of(d)), d);
  EXPECT_EQ(this->listed("ws").size(), datas.size());
  // Idempotent, also when some are already there.
  ASSERT_TRUE(this->store_->putBatch("ws", good).ok());
  EXPECT_EQ(this->listed("ws").size(), datas.size());
}

TYPED_TEST_P(StoreConformance, PutIsIdempotent) {
  std::string data = this->bytes(5000, 5);
  ChunkId id = this->put("ws", data);
  ChunkId again = this->put("ws", data);
  EXPECT_EQ(id, again);
  EXPECT_EQ(this->read("ws", id), data);
  EXPECT_EQ(this->listed("ws"), std::set<ChunkId>{id});
}

TYPED_TEST_P(StoreConformance, MissingChunkIsNotFound) {
  ChunkId id = Sha256::of("never stored");
  EXPECT_EQ(this->store_->get("ws", id).status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->getRange("ws", id, 0, 10).status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->stat("ws", id).status().code(), Code::kNotFound);
}

TYPED_TEST_P(StoreConformance, RangeReads) {
  std::string data = this->bytes(10'000, 6);
  ChunkId id = this->put("ws", data);
  auto range = [&](uint64_t off, uint64_t len) {
    auto r = this->store_->getRange("ws", id, off, len);
    EXPECT_TRUE(r.ok()) << r.status().toString();
    return r.ok() ? *r : std::string("<error>");
  };
  EXPECT_EQ(range(0, 10), data.substr(0, 10));
  EXPECT_EQ(range(4096, 4096), data.substr(4096, 4096));
  EXPECT_EQ(range(9990, 100), data.substr(9990));            // clipped at the end
  EXPECT_EQ(range(0, 10'000), data);                          // exactly the whole chunk
  EXPECT_EQ(range(0, UINT64_MAX), data);                      // more than the whole chunk
  EXPECT_EQ(range(5000, UINT64_MAX), data.substr(5000));      // no overflow in offset+length
  EXPECT_EQ(range(10'000, 10), "");                           // at the end: empty
  EXPECT_EQ(range(20'000, 10), "");                           // past the end: empty
  EXPECT_EQ(range(UINT64_MAX, UINT64_MAX), "");
  EXPECT_EQ(range(100, 0), "");                               // zero length
}

TYPED_TEST_P(StoreConformance, SlicesHoldTheRangesBytes) {
  std::string data = this->bytes(10'000, 6);
  ChunkId id = this->put("ws", data);
  EXPECT_EQ(this->slice("ws", id, 0, UINT64_MAX), data);
  EXPECT_EQ(this->slice("ws", id, 0, 10'000), data);
  EXPECT_EQ(this->slice("ws", id, 4096, 4096), data.substr(4096, 4096));
  EXPECT_EQ(this->slice("ws", id, 9990, 100), data.substr(9990));
  EXPECT_EQ(this->slice("ws", id, 10'000, 10), "");
  EXPECT_EQ(this->slice("ws", id, UINT64_MAX, UINT64_MAX), "");
  EXPECT_EQ(this->store_->getSlice("ws", Sha256::of("never stored"), 0, 10).status().code(),
            Code::kNotFound);
}

TYPED_TEST_P(StoreConformance, CorruptionIsDetected) {
  std::string data = this->bytes(50'000, 7);
  ChunkId id = this->put("ws", data);
  this->factory_.corrupt("ws", id);
  EXPECT_EQ(this->store_->get("ws", id).status().code(), Code::kCorruption);
  // A read of the whole chunk through getRange verifies too.
  EXPECT_EQ(this->store_->getRange("ws", id, 0, data.size()).status().code(), Code::kCorruption);
  EXPECT_EQ(this->store_->getRange("ws", id, 0, UINT64_MAX).status().code(), Code::kCorruption);
  EXPECT_EQ(this->store_->getSlice("ws", id, 0, UINT64_MAX).status().code(), Code::kCorruption);
}

TYPED_TEST_P(StoreConformance, Remove) {
  std::string data = this->bytes(3000, 8);
  ChunkId id = this->put("ws", data);
  ASSERT_TRUE(this->store_->remove("ws", id).ok());
  EXPECT_EQ(this->store_->get("ws", id).status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->stat("ws", id).status().code(), Code::kNotFound);
  EXPECT_TRUE(this->listed("ws").empty());
  // Removing an absent chunk, or one in a namespace never used, is not an error.
  EXPECT_TRUE(this->store_->remove("ws", id).ok());
  EXPECT_TRUE(this->store_->remove("never-used", id).ok());
  // A removed chunk can be stored again.
  this->put("ws", data);
  EXPECT_EQ(this->read("ws", id), data);
}

TYPED_TEST_P(StoreConformance, ListReportsEveryChunkOnce) {
  std::map<ChunkId, size_t> want;
  for (uint32_t i = 0; i < 64; ++i) {
    std::string data = this->bytes(1 + i * 37, 100 + i);
    want[this->put("ws", data)] = data.size();
  }
  std::map<ChunkId, size_t> got;
  Status s = this->store_->list("ws", [&](const ChunkInfo& info) {
    EXPECT_TRUE(got.emplace(info.id, info.size).second) << "listed twice: " << info.id.hex();
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.toString();
  EXPECT_EQ(got, want);
  // The visitor stops the listing by returning false.
  int visited = 0;
  ASSERT_TRUE(this->store_->list("ws", [&](const ChunkInfo&) { return ++visited < 5; }).ok());
  EXPECT_EQ(visited, 5);
  // An unused namespace lists nothing.
  EXPECT_TRUE(this->listed("nobody").empty());
}

TYPED_TEST_P(StoreConformance, NamespacesAreIsolated) {
  std::string data = this->bytes(1000, 9);
  ChunkId id = this->put("alpha", data);
  EXPECT_EQ(this->store_->get("beta", id).status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->stat("beta", id).status().code(), Code::kNotFound);
  EXPECT_TRUE(this->listed("beta").empty());
  ASSERT_TRUE(this->store_->remove("beta", id).ok());
  EXPECT_EQ(this->read("alpha", id), data);
  // The same chunk in two namespaces is two independent copies.
  this->put("beta", data);
  ASSERT_TRUE(this->store_->remove("alpha", id).ok());
  EXPECT_EQ(this->read("beta", id), data);
  EXPECT_TRUE(this->listed("alpha").empty());
}

TYPED_TEST_P(StoreConformance, InvalidNamespacesAreRejected) {
  std::string data = "x";
  ChunkId id = Sha256::of(data);
  for (std::string ns : {std::string(""), std::string("a/b"), std::string(".."), std::string("."),
                         std::string(65, 'a'), std::string("a b"), std::string("\xc3\xa4"),
                         std::string("a\0b", 3), std::string("../etc")}) {
    EXPECT_EQ(this->store_->put(ns, id, data).code(), Code::kInvalidArgument) << ns;
    EXPECT_EQ(this->store_->get(ns, id).status().code(), Code::kInvalidArgument) << ns;
    EXPECT_EQ(this->store_->getRange(ns, id, 0, 1).status().code(), Code::kInvalidArgument) << ns;
    EXPECT_EQ(this->store_->stat(ns, id).status().code(), Code::kInvalidArgument) << ns;
    EXPECT_EQ(this->store_->remove(ns, id).code(), Code::kInvalidArgument) << ns;
    EXPECT_EQ(this->store_->list(ns, [](const ChunkInfo&) { return true; }).code(), Code::kInvalidArgument) << ns;
  }
  // The widest valid names work.
  for (std::string ns : {std::string(64, 'z'), std::string("A-z_0-9"), std::string("-")}) {
    EXPECT_TRUE(this->store_->put(ns, id, data).ok()) << ns;
    EXPECT_EQ(this->read(ns, id), data);
  }
}

TYPED_TEST_P(StoreConformance, ConcurrentPutsOfTheSameChunk) {
  // Many writers race to store one chunk while readers poll it: every read sees either
  // kNotFound or the whole, correct chunk, never a partial one.
  std::string data = this->bytes(1 << 20, 10);
  ChunkId id = Sha256::of(data);
  std::atomic<int> bad{0};
  std::atomic<bool> writers_done{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (!this->store_->put("ws", id, data).ok()) bad++;
    });
  }
  std::thread reader([&] {
    do {
      auto r = this->store_->get("ws", id);
      if (r.ok() ? *r != data : r.status().code() != Code::kNotFound) bad++;
    } while (!writers_done.load());
  });
  for (auto& t : threads) t.join();
  writers_done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(this->read("ws", id), data);
  EXPECT_EQ(this->listed("ws"), std::set<ChunkId>{id});
}

TYPED_TEST_P(StoreConformance, ConcurrentPutsOfDifferentChunks) {
  constexpr int kThreads = 8, kPerThread = 20;
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string data = this->bytes(8192, 1000 + t * kPerThread + i);
        ChunkId id = Sha256::of(data);
        if (!this->store_->put("ws", id, data).ok()) bad++;
        auto r = this->store_->get("ws", id);
        if (!r.ok() || *r != data) bad++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(this->listed("ws").size(), static_cast<size_t>(kThreads * kPerThread));
}

TYPED_TEST_P(StoreConformance, DurableAcrossReopen) {
  std::string data = this->bytes(12345, 11);
  ChunkId id = this->put("ws", data);
  this->reopen();
  EXPECT_EQ(this->read("ws", id), data);
  EXPECT_EQ(this->listed("ws"), std::set<ChunkId>{id});
}

REGISTER_TYPED_TEST_SUITE_P(StoreConformance, PutGetStat, EmptyAndMaximumSizeChunks,
                            OversizedChunkIsRejected, MismatchedIdIsRejectedAndNothingStored,
                            PutIsIdempotent, PutBatchStoresAllOrNothingOnBadId, MissingChunkIsNotFound, RangeReads,
                            SlicesHoldTheRangesBytes,
                            CorruptionIsDetected, Remove, ListReportsEveryChunkOnce,
                            NamespacesAreIsolated, InvalidNamespacesAreRejected,
                            ConcurrentPutsOfTheSameChunk, ConcurrentPutsOfDifferentChunks,
                            DurableAcrossReopen);

}  // namespace strata::blob
