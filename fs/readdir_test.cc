// readdir / list paging, including a directory far larger than one page.
#include <chrono>
#include <set>

#include "fs/fs_test_env.h"

namespace strata::fs {
namespace {

TEST_F(FsTest, ReaddirPagesInByteOrder) {
  auto d = fs_->mkdir(kRootInode, "d", opts(0755));
  for (const char* n : {"b", "a", "c", "a.b", "B", "aa"}) ASSERT_OK(fs_->create(d->ino, n, opts()));
  ASSERT_OK(fs_->mkdir(d->ino, "sub", opts(0755)));
  std::vector<std::string> names;
  std::string cursor;
  int pages = 0;
  do {
    auto page = fs_->readdir(d->ino, cursor, 2);
    ASSERT_OK(page);
    EXPECT_LE(page->entries.size(), 2u);
    for (const auto& e : page->entries) names.push_back(e.name);
    cursor = page->next_cursor;
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(names, (std::vector<std::string>{"B", "a", "a.b", "aa", "b", "c", "sub"}));
  EXPECT_EQ(pages, 4);
  auto all = fs_->readdir(d->ino, "", 100);
  ASSERT_OK(all);
  EXPECT_EQ(all->next_cursor, "");
  EXPECT_EQ(all->entries.back().type, FileType::kDirectory);
  // Resuming after a name that was deleted meanwhile still works.
  auto after = fs_->readdir(d->ino, "a.a", 1);
  ASSERT_OK(after);
  EXPECT_EQ(after->entries[0].name, "a.b");
  EXPECT_CODE(fs_->readdir(d->ino, "", 0), kInvalidArgument);
  auto f = fs_->lookup(d->ino, "a");
  EXPECT_CODE(fs_->readdir(f->ino, "", 10), kNotDirectory);
  EXPECT_CODE(fs_->readdir(55555, "", 10), kNotFound);
}

TEST_F(FsTest, ListByPath) {
  ASSERT_OK(fs_->mkdirs("/m/n", true, opts(0755)));
  ASSERT_OK(fs_->commitFile("/m/file", FileContent{}, false));
  auto page = fs_->list("/m", "", 10);
  ASSERT_OK(page);
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].name, "file");
  auto one = fs_->list("/m/file", "", 10);
  ASSERT_OK(one);
  ASSERT_EQ(one->entries.size(), 1u);
  EXPECT_EQ(one->entries[0].name, "file");
  EXPECT_CODE(fs_->list("/m/missing", "", 10), kNotFound);
  EXPECT_CODE(fs_->list("/m/file/x", "", 10), kNotDirectory);
  EXPECT_CODE(fs_->list("m", "", 10), kInvalidArgument);
}

// 200,000 entries in one directory, created through the normal create path, then listed
// page by page: every name exactly once, in order, never more than a page in memory.
TEST_F(FsTest, HugeDirectoryPagesThrough) {
  constexpr int kEntries = 200000;
  auto d = fs_->mkdir(kRootInode, "huge", opts(0755));
  ASSERT_OK(d);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kEntries; ++i) {
    char name[32];
    snprintf(name, sizeof(name), "f%07d", i);
    auto a = fs_->create(d->ino, name, opts());
    ASSERT_TRUE(a.ok()) << a.status().toString();
  }
  auto created = std::chrono::steady_clock::now();
  EXPECT_EQ(fs_->getattr(d->ino)->size, static_cast<uint64_t>(kEntries));
  std::string cursor;
  int seen = 0;
  std::string last;
  do {
    auto page = fs_->readdir(d->ino, cursor, 5000);
    ASSERT_OK(page);
    for (const auto& e : page->entries) {
      EXPECT_LT(last, e.name);
      last = e.name;
      ++seen;
    }
    cursor = page->next_cursor;
  } while (!cursor.empty());
  EXPECT_EQ(seen, kEntries);
  auto listed = std::chrono::steady_clock::now();
  using ms = std::chrono::milliseconds;
  std::printf("created %d entries in %lld ms, listed in %lld ms\n", kEntries,
              static_cast<long long>(std::chrono::duration_cast<ms>(created - start).count()),
              static_cast<long long>(std::chrono::duration_cast<ms>(listed - created).count()));
  EXPECT_EQ(fs_->usage()->files, static_cast<uint64_t>(kEntries));
}

}  // namespace
}  // namespace strata::fs
