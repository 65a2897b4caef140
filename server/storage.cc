#include "server/storage.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "blob/engine_store.h"
#include "blob/local_store.h"
#include "blob/tiered_store.h"
#include "db/rocksdb_engine.h"

namespace strata::server {

Result<Storage> openStorage(const std::string& data_dir, fs::ServiceOptions options,
                            StorageOptions storage_options) {
  if (data_dir.empty()) return invalidArgument("--data must name a directory");
  if (::mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ioError("cannot create data directory ", data_dir, ": ", std::strerror(errno));
  }
  struct stat st {};
  if (::stat(data_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return invalidArgument("data directory is not a directory: ", data_dir);
  }
  Storage s;
  ASSIGN_OR_RETURN(s.engine, db::openRocksDbEngine(data_dir + "/meta"));
  ASSIGN_OR_RETURN(auto files, blob::openLocalStore(data_dir + "/chunks"));
  // Small chunks share the engine's write-ahead log with the metadata that references them,
  // so the synced commit (or FileSystemService::sync) that makes a reference durable makes
  // its chunk durable too (blob/store.h, docs/storage.md "Small-chunk tier").
  s.store = blob::makeTieredStore(blob::makeEngineStore(*s.engine), std::move(files),
                                  storage_options.small_chunk_max);
  s.service = fs::makeFileSystemService(*s.engine, *s.store, options);
  RETURN_IF_ERROR(s.service->ensureWorkspace(kDefaultWorkspace));
  s.objects = object::makeObjectService(*s.engine, s.service->chunks());
  RETURN_IF_ERROR(s.objects->ensureWorkspace(kDefaultWorkspace));
  return s;
}

}  // namespace strata::server
