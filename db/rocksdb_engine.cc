#include "db/rocksdb_engine.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/utilities/optimistic_transaction_db.h>
#include <rocksdb/utilities/transaction.h>

#include <algorithm>

namespace strata::db {
namespace {

// Memtables: a 16 MiB active one, at most two more waiting for flush, and 16 MiB of flushed
// history kept for optimistic conflict checking. Without that history a transaction whose
// snapshot predates the oldest memtable cannot be validated and fails with TryAgain (mapped to
// kConflict and retried), so a little history saves spurious retries after every flush.
constexpr size_t kWriteBufferBytes = 16 << 20;
constexpr int kMaxWriteBuffers = 3;
constexpr int64_t kConflictHistoryBytes = 16 << 20;
// Stripes of the parallel commit validation. RocksDB's default (1<<20 mutexes) costs tens of
// MiB; a few thousand stripes are plenty for a metadata store's concurrency.
constexpr uint32_t kOccLockBuckets = 1 << 12;
// Values of at least this size (the chunks of the small-chunk tier, blob/engine_store.h, and
// large KV values) are kept in blob files beside the table files, with only a small reference
// in the LSM tree: compactions then move references instead of rewriting the bytes again and
// again, and reading such a value does not push metadata blocks out of the block cache.
constexpr uint64_t kMinBlobBytes = 8 << 10;

Status fromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsBusy() || s.IsTryAgain()) return Status(Code::kConflict, std::move(msg));
  if (s.IsCorruption()) return Status(Code::kCorruption, std::move(msg));
  if (s.IsIOError() || s.IsNoSpace()) return Status(Code::kIOError, std::move(msg));
  if (s.IsInvalidArgument()) return Status(Code::kInvalidArgument, std::move(msg));
  if (s.IsTimedOut()) return Status(Code::kTimedOut, std::move(msg));
  return Status(Code::kInternal, std::move(msg));
}

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// Collects [begin, end) from `it` (positioned by this function) in the requested direction.
// Bounds are also set on the iterator by the caller; they are checked here again because a
// transaction's iterator merges uncommitted writes that the bounds do not filter.
Result<std::vector<KeyValue>> collect(rocksdb::Iterator* it, std::string_view begin,
                                      std::string_view end, const ScanOptions& options) {
  std::vector<KeyValue> out;
  if (options.limit == 0 || (!end.empty() && begin >= end)) return out;
  auto inRange = [&](std::string_view k) { return k >= begin && (end.empty() || k < end); };
  if (!options.reverse) {
    for (it->Seek(slice(begin)); it->Valid() && out.size() < options.limit; it->Next()) {
      std::string_view k = view(it->key());
      if (!inRange(k)) break;
      out.push_back({std::string(k), it->value().ToString()});
    }
  } else {
    if (end.empty()) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(slice(end));
      if (it->Valid() && view(it->key()) >= end) it->Prev();  // end is exclusive
    }
    for (; it->Valid() && out.size() < options.limit; it->Prev()) {
      std::string_view k = view(it->key());
      if (!inRange(k)) break;
      out.push_back({std::string(k), it->value().ToString()});
    }
  }
  RETURN_IF_ERROR(fromRocks(it->status(), "scan"));
  return out;
}

// ReadOptions for a bounded scan; the Slices must outlive the iterator.
struct ScanBounds {
  rocksdb::Slice lower, upper;
  rocksdb::ReadOptions read(const rocksdb::Snapshot* snapshot) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    ro.iterate_lower_bound = &lower;
    if (!upper.empty()) ro.iterate_upper_bound = &upper;
    return ro;
  }
};

class RocksDbTransaction final : public Transaction {
 public:
  // `unsynced`, when given, is raised after a successful commit whose log was not fsynced,
  // so the engine's background sync knows there is something to sync.
  RocksDbTransaction(std::unique_ptr<rocksdb::Transaction> txn, std::atomic<bool>* unsynced)
      : txn_(std::move(txn)), unsynced_(unsynced) {
    read_options_.snapshot = txn_->GetSnapshot();
  }

  Result<std::optional<std::string>> get(std::string_view key) override {
    RETURN_IF_ERROR(checkLive());
    std::string value;
    // GetForUpdate both reads (at the snapshot, merged with our own writes) and adds the key
    // to the set validated at commit.
    rocksdb::Status s = txn_->GetForUpdate(read_options_, slice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    RETURN_IF_ERROR(fromRocks(s, "get"));
    return std::optional<std::string>(std::move(value));
  }

  Status put(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(checkLive());
    return fromRocks(txn_->Put(slice(key), slice(value)), "put");
  }

  Status del(std::string_view key) override {
    RETURN_IF_ERROR(checkLive());
    return fromRocks(txn_->Delete(slice(key)), "delete");
  }

  Result<std::optional<std::string>> getUntracked(std::string_view key) override {
    RETURN_IF_ERROR(checkLive());
    std::string value;
    rocksdb::Status s = txn_->Get(read_options_, slice(key), &value);  // snapshot + own writes
    if (s.IsNotFound()) return std::optional<std::string>();
    RETURN_IF_ERROR(fromRocks(s, "get"));
    return std::optional<std::string>(std::move(value));
  }

  Status putUntracked(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(checkLive());
    return fromRocks(txn_->PutUntracked(slice(key), slice(value)), "put");
  }

  Status delUntracked(std::string_view key) override {
    RETURN_IF_ERROR(checkLive());
    return fromRocks(txn_->DeleteUntracked(slice(key)), "delete");
  }

  Result<std::vector<KeyValue>> scan(std::string_view begin, std::string_view end,
                                     ScanOptions options) override {
    RETURN_IF_ERROR(checkLive());
    ScanBounds bounds{slice(begin), slice(end)};
    // The transaction's iterator reads the snapshot merged with this transaction's writes.
    std::unique_ptr<rocksdb::Iterator> it(txn_->GetIterator(bounds.read(read_options_.snapshot)));
    return collect(it.get(), begin, end, options);
  }

  Status commit() override {
    RETURN_IF_ERROR(checkLive());
    spent_ = true;
    Status s = fromRocks(txn_->Commit(), "commit");
    if (s.ok() && unsynced_ != nullptr) unsynced_->store(true);
    return s;
  }

 private:
  Status checkLive() const {
    if (spent_) return Status(Code::kInternal, "transaction used after commit()");
    return Status::OK();
  }

  std::unique_ptr<rocksdb::Transaction> txn_;  // rolled back on destruction unless committed
  rocksdb::ReadOptions read_options_;
  std::atomic<bool>* unsynced_;
  bool spent_ = false;
};

class RocksDbEngine final : public Engine {
 public:
  RocksDbEngine(std::unique_ptr<rocksdb::OptimisticTransactionDB> db, RocksDbOptions options)
      : db_(std::move(db)) {
    write_options_.sync = options.sync;
    buffered_write_options_.sync = false;
    txn_options_.set_snapshot = true;
    syncer_ = std::thread([this] { syncLoop(); });
  }

  ~RocksDbEngine() override {
    {
      std::lock_guard lock(sync_mu_);
      stopping_ = true;
    }
    sync_cv_.notify_all();
    syncer_.join();
    if (buffered_pending_.exchange(false)) db_->SyncWAL().PermitUncheckedError();
    // Close explicitly so a failure to persist the last state is at least logged by RocksDB;
    // the WAL already holds every commit, so nothing acknowledged depends on this.
    db_->Close().PermitUncheckedError();
  }

  std::unique_ptr<Transaction> begin(TxnOptions options) override {
    const bool buffered = options.durability == Durability::kBuffered && write_options_.sync;
    // A buffered commit is in the kernel when commit() returns (RocksDB writes the WAL with
    // write(2) on every commit); syncLoop() makes it stable within kBufferedSyncInterval.
    return std::make_unique<RocksDbTransaction>(
        std::unique_ptr<rocksdb::Transaction>(
            db_->BeginTransaction(buffered ? buffered_write_options_ : write_options_, txn_options_)),
        buffered ? &buffered_pending_ : nullptr);
  }

  Status write(const WriteBatch& batch, Durability durability) override {
    if (batch.empty()) return Status::OK();
    rocksdb::WriteBatch wb(batch.bytes() + 64 * batch.count());
    rocksdb::Status s;
    batch.forEach([&](WriteBatch::Op op, std::string_view key, std::string_view value) {
      if (!s.ok()) return;
      s = op == WriteBatch::Op::kPut ? wb.Put(slice(key), slice(value)) : wb.Delete(slice(key));
    });
    RETURN_IF_ERROR(fromRocks(s, "write batch"));
    const bool buffered = durability == Durability::kBuffered && write_options_.sync;
    // Written through the base DB: its sequence numbers are what optimistic transactions
    // validate their read and write sets against, so a transaction that tracked one of these
    // keys and commits later sees the conflict.
    s = db_->GetBaseDB()->Write(buffered ? buffered_write_options_ : write_options_, &wb);
    RETURN_IF_ERROR(fromRocks(s, "write batch"));
    if (buffered) buffered_pending_.store(true, std::memory_order_relaxed);
    return Status::OK();
  }

  Status syncWal() override {
    buffered_pending_ = false;
    return fromRocks(db_->SyncWAL(), "sync write-ahead log");
  }

  Result<std::optional<std::string>> get(std::string_view key) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), slice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    RETURN_IF_ERROR(fromRocks(s, "get"));
    return std::optional<std::string>(std::move(value));
  }

  Result<std::vector<KeyValue>> scan(std::string_view begin, std::string_view end,
                                     ScanOptions options) override {
    ScanBounds bounds{slice(begin), slice(end)};
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(bounds.read(nullptr)));
    return collect(it.get(), begin, end, options);
  }

 private:
  // fsyncs the WAL about once a second while buffered commits happen (appendfsync everysec).
  void syncLoop() {
    std::unique_lock lock(sync_mu_);
    while (!stopping_) {
      sync_cv_.wait_for(lock, kBufferedSyncInterval, [this] { return stopping_; });
      if (stopping_) break;
      if (!buffered_pending_.exchange(false)) continue;
      lock.unlock();
      rocksdb::Status s = db_->SyncWAL();
      if (!s.ok()) buffered_pending_ = true;  // try again next round
      lock.lock();
    }
  }

  static constexpr std::chrono::milliseconds kBufferedSyncInterval{1000};

  std::unique_ptr<rocksdb::OptimisticTransactionDB> db_;
  rocksdb::WriteOptions write_options_;
  rocksdb::WriteOptions buffered_write_options_;
  rocksdb::OptimisticTransactionOptions txn_options_;

  std::atomic<bool> buffered_pending_{false};
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool stopping_ = false;  // guarded by sync_mu_
  std::thread syncer_;
};

rocksdb::Options makeOptions(const RocksDbOptions& opts) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.paranoid_checks = true;

  o.write_buffer_size = kWriteBufferBytes;
  o.max_write_buffer_number = kMaxWriteBuffers;
  o.max_write_buffer_size_to_maintain = kConflictHistoryBytes;
  o.level_compaction_dynamic_level_bytes = true;
  o.max_background_jobs = 2;
  o.bytes_per_sync = 1 << 20;  // smooth background writeback instead of bursts at file close
  // Table files stay open in a bounded cache; the server also needs descriptors for clients
  // and chunk files, under a default limit of 1024.
  o.max_open_files = 256;
  o.keep_log_file_num = 4;
  o.max_log_file_size = 8 << 20;

  // Metadata compresses well; LZ4 is cheap enough for every level. Fall back when the library
  // was built without it.
  auto supported = rocksdb::GetSupportedCompressions();
  bool lz4 = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
  o.compression = lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;

  // Integrated BlobDB (docs/storage.md "Costs"). Blob files are written at flush, so a big value
  // is written twice (log, blob file) rather than once per level. Garbage collection relocates
  // the live values of the oldest quarter of blob files as compactions reach them, so the space
  // of removed chunks comes back. Chunk bytes are hashes of arbitrary data: not compressed.
  o.enable_blob_files = true;
  o.min_blob_size = kMinBlobBytes;
  o.blob_compression_type = rocksdb::kNoCompression;
  o.enable_blob_garbage_collection = true;
  o.blob_garbage_collection_age_cutoff = 0.25;

  // A Bloom filter over the whole key in every memtable. Most point reads of an upload miss
  // (is this chunk, dentry, reference count or collector entry there yet?) and would otherwise
  // walk the skip list of the active and every immutable memtable; with chunk bytes of the
  // small-chunk tier beside each key, every step of that walk is a cache miss. Measured on
  // 20,000 x 16 KiB files: server CPU of the upload 4.85 -> 3.95 s. Costs 10% of
  // write_buffer_size per memtable (1.6 MiB).
  o.memtable_prefix_bloom_size_ratio = 0.1;
  o.memtable_whole_key_filtering = true;

  rocksdb::BlockBasedTableOptions t;
  // 16 shards (4 MiB each at the default size) rather than RocksDB's 64: a block larger than
  // its shard is never kept, and index blocks of big table files passed 1 MiB (then every
  // point read re-read and decompressed the whole index: queue claims on a backlog of 100k
  // messages spent 85% of their time there). Two cores do not need 64 shards of locking.
  t.block_cache = rocksdb::NewLRUCache(opts.block_cache_bytes, /*num_shard_bits=*/4);
  // Point lookups (inode, dentry, token) dominate: a Bloom filter skips files without the key.
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live in (and are bounded by) the block cache, rather than growing
  // with the database outside any limit; L0's stay pinned because every read touches them.
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned (two-level) index and filters: a point read loads one small partition
  // instead of a whole index that grows with the file, and only the small top level stays
  // pinned. Keeps reads cheap when the database outgrows the cache.
  t.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  t.partition_filters = true;
  t.metadata_block_size = 4096;
  t.pin_top_level_index_and_filter = true;
  t.format_version = 5;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

}  // namespace

Result<std::unique_ptr<Engine>> openRocksDbEngine(const std::string& dir, RocksDbOptions options) {
  rocksdb::Options o = makeOptions(options);
  rocksdb::OptimisticTransactionDBOptions occ;
  occ.validate_policy = rocksdb::OccValidationPolicy::kValidateParallel;
  occ.occ_lock_buckets = kOccLockBuckets;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(o)}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::OptimisticTransactionDB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::OptimisticTransactionDB::Open(rocksdb::DBOptions(o), occ, dir, families, &handles, &raw);
  if (!s.ok()) {
    // RocksDB reports a held LOCK file as an IOError; name it for what it is.
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Status(Code::kBusy, "metadata database " + dir + " is in use by another process: " + s.ToString());
    }
    return fromRocks(s, "open " + dir);
  }
  std::unique_ptr<rocksdb::OptimisticTransactionDB> db(raw);
  // The default column family's handle is owned by the DB; the one returned here is a
  // separate object we must destroy.
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  return std::unique_ptr<Engine>(std::make_unique<RocksDbEngine>(std::move(db), options));
}

}  // namespace strata::db
