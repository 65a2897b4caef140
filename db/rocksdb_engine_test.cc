#include "db/rocksdb_engine.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "common/temp_dir.h"
#include "db/engine_conformance.h"

namespace strata::db {
namespace {

// One RocksDB directory per test. Without fsync per commit: the conformance suite checks
// semantics, and kill -9 durability does not need fsync (tested below with the default).
struct RocksDbFactory {
  TempDir dir{"strata-rocksdb"};
  Result<std::unique_ptr<Engine>> open() {
    return openRocksDbEngine(dir.path(), {.sync = false, .block_cache_bytes = 8 << 20});
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(RocksDb, EngineConformance, ::testing::Types<RocksDbFactory>);

TEST(RocksDbEngine, SecondOpenOfTheSameDirectoryIsBusy) {
  TempDir dir;
  auto first = openRocksDbEngine(dir.path());
  ASSERT_TRUE(first.ok()) << first.status().toString();
  auto second = openRocksDbEngine(dir.path());
  EXPECT_EQ(second.status().code(), Code::kBusy) << second.status().toString();
}

TEST(RocksDbEngine, UntrackedKeysAreNotValidatedButStillConflictOthers) {
  TempDir dir;
  auto engine = openRocksDbEngine(dir.path(), {.sync = false, .block_cache_bytes = 8 << 20});
  ASSERT_TRUE(engine.ok()) << engine.status().toString();
  Engine& e = **engine;
  ASSERT_TRUE(e.run([](Transaction& t) { return t.put("k", "0"); }).ok());
  // An untracked read and write of "k" does not make this transaction fail when another
  // commits "k" first...
  auto a = e.begin();
  auto seen = a->getUntracked("k");
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->value_or(""), "0");
  ASSERT_TRUE(a->putUntracked("k", "a").ok());
  ASSERT_TRUE(e.run([](Transaction& t) { return t.put("k", "b"); }).ok());
  EXPECT_TRUE(a->commit().ok());
  // ...but a transaction that read "k" (tracked) conflicts with an untracked write of it.
  auto reader = e.begin();
  ASSERT_TRUE(reader->get("k").ok());
  auto writer = e.begin();
  ASSERT_TRUE(writer->delUntracked("k").ok());
  ASSERT_TRUE(writer->commit().ok());
  ASSERT_TRUE(reader->put("other", "x").ok());
  EXPECT_EQ(reader->commit().code(), Code::kConflict);
  auto gone = e.get("k");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

TEST(RocksDbEngine, OpenFailsCleanlyOnAFile) {
  TempDir dir;
  std::string file = dir.sub("not-a-dir");
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  auto engine = openRocksDbEngine(file);
  EXPECT_FALSE(engine.ok());
}

// A child process commits transactions as fast as it can, each writing two keys, and reports
// each acknowledged commit through a pipe. The parent kills it with SIGKILL mid-stream and
// reopens: every acknowledged transaction must be there, and no transaction may be half there.
// Both durabilities must pass: kBuffered skips the fsync but not the write to the kernel.
class RocksDbKill9 : public ::testing::TestWithParam<Durability> {};

TEST_P(RocksDbKill9, CommittedTransactionsSurviveKill9) {
  TempDir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto engine = openRocksDbEngine(dir.path());  // default options: fsync on commit
    if (!engine.ok()) _exit(2);
    for (uint32_t i = 0;; ++i) {
      std::string n = std::to_string(i);
      Status s = (*engine)->run(
          [&](Transaction& t) -> Status {
            RETURN_IF_ERROR(t.put("a/" + n, n));
            return t.put("b/" + n, n);
          },
          {.durability = GetParam()});
      if (!s.ok()) _exit(3);
      if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(4);
    }
  }
  close(fds[1]);
  uint32_t last = 0;
  int acknowledged = 0;
  while (acknowledged < 200) {
    ASSERT_EQ(read(fds[0], &last, sizeof(last)), static_cast<ssize_t>(sizeof(last)))
        << "child died early";
    ++acknowledged;
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited with " << status;
  close(fds[0]);

  auto engine = openRocksDbEngine(dir.path());
  ASSERT_TRUE(engine.ok()) << engine.status().toString();
  for (uint32_t i = 0; i <= last; ++i) {
    auto v = (*engine)->get("a/" + std::to_string(i));
    ASSERT_TRUE(v.ok() && v->has_value()) << "acknowledged commit " << i << " lost";
  }
  auto as = (*engine)->scan("a/", prefixEnd("a/"), {.limit = 1u << 30});
  auto bs = (*engine)->scan("b/", prefixEnd("b/"), {.limit = 1u << 30});
  ASSERT_TRUE(as.ok() && bs.ok());
  EXPECT_GE(as->size(), static_cast<size_t>(last) + 1);
  EXPECT_EQ(as->size(), bs->size()) << "a transaction was applied in part";
}

INSTANTIATE_TEST_SUITE_P(Durabilities, RocksDbKill9,
                         ::testing::Values(Durability::kSync, Durability::kBuffered));

}  // namespace
}  // namespace strata::db
