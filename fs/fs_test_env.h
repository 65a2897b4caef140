// Test fixture for fs/: a real RocksDB engine and a real local blob store in a fresh temp
// directory, and the service on top. Shared by the fs/*_test.cc files.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "blob/engine_store.h"
#include "blob/local_store.h"
#include "blob/tiered_store.h"
#include "common/clock.h"
#include "common/sha256.h"
#include "db/rocksdb_engine.h"
#include "fs/chunk_manager.h"
#include "fs/filesystem.h"

namespace strata::fs {

// The Status of a Status or a Result, so the macros below take either.
inline Status statusOf(const Status& s) { return s; }
template <class T>
Status statusOf(const Result<T>& r) { return r.status(); }

#define ASSERT_OK(expr)                                 \
  do {                                                  \
    ::strata::Status _s = ::strata::fs::statusOf(expr); \
    ASSERT_TRUE(_s.ok()) << _s.toString();              \
  } while (0)
#define EXPECT_OK(expr)                                 \
  do {                                                  \
    ::strata::Status _s = ::strata::fs::statusOf(expr); \
    EXPECT_TRUE(_s.ok()) << _s.toString();              \
  } while (0)
#define EXPECT_CODE(expr, c)                                 \
  do {                                                       \
    ::strata::Status _s = ::strata::fs::statusOf(expr);      \
    EXPECT_EQ(_s.code(), ::strata::Code::c) << _s.toString(); \
  } while (0)

class FsTest : public ::testing::Test {
 protected:
  virtual ServiceOptions options() const {
    ServiceOptions o;
    o.gc_grace_seconds = 100;
    o.upload_pin_seconds = 1000;
    return o;
  }

  void SetUp() override {
    char tmpl[] = "/tmp/strata-fs-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db::RocksDbOptions dbo;
    dbo.sync = false;  // tests do not need power-loss durability
    auto engine = db::openRocksDbEngine(dir_ + "/db", dbo);
    ASSERT_TRUE(engine.ok()) << engine.status().toString();
    engine_ = std::move(engine).value();
    // The tiered store `strata server` uses: small chunks in the engine, big ones in files.
    auto files = blob::openLocalStore(dir_ + "/chunks");
    ASSERT_TRUE(files.ok()) << files.status().toString();
    store_ = blob::makeTieredStore(blob::makeEngineStore(*engine_), std::move(files).value(),
                                   blob::kDefaultSmallChunkMax);
    svc_ = makeFileSystemService(*engine_, *store_, options());
    Status st = svc_->ensureWorkspace("default");
    ASSERT_TRUE(st.ok()) << st.toString();
    auto fs = svc_->open("default", "default");
    ASSERT_TRUE(fs.ok()) << fs.status().toString();
    fs_ = *fs;
  }

  void TearDown() override {
    fs_.reset();
    svc_.reset();
    store_.reset();
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  ChunkManager& chunks() { return svc_->chunks(); }

  // Stores `data` as a chunk of the default workspace (through an upload) and returns its id.
  Digest putChunk(const std::string& data) {
    Digest id = Sha256::of(data);
    auto t = chunks().beginUpload("default", "", {id});
    EXPECT_TRUE(t.ok());
    EXPECT_TRUE(chunks().putChunk("default", id, data).ok());
    EXPECT_TRUE(chunks().endUpload("default", t->upload_id).ok());
    return id;
  }

  // A time past every grace period and pin of options().
  int64_t nowFar() { return nowUnix() + 100000; }

  bool blobExists(const Digest& id) { return store_->stat("default", id).ok(); }

  void expectFsckClean() {
    auto r = svc_->fsck();
    ASSERT_TRUE(r.ok()) << r.status().toString();
    EXPECT_THAT(r->problems, ::testing::IsEmpty());
  }

  CreateOptions opts(uint32_t mode = 0644) {
    CreateOptions o;
    o.mode = mode;
    return o;
  }

  std::string dir_;
  std::unique_ptr<db::Engine> engine_;
  std::unique_ptr<blob::Store> store_;
  std::unique_ptr<FileSystemService> svc_;
  std::shared_ptr<FileSystem> fs_;
};

}  // namespace strata::fs
