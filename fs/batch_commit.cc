// FileSystemImpl::commitFiles: many whole files in one namespace transaction (the batch write
// of small files, POST files:write). Per file it does what commitFile does; the transaction
// makes the group all-or-nothing, and sharing it means one commit, one conflict check and one
// write of each parent directory's inode for the whole group instead of one per file.
#include <map>
#include <set>

#include "common/clock.h"
#include "fs/file_system_impl.h"

namespace strata::fs {
namespace {

// The checks commitFile makes before its transaction: a complete map is dense from index 0,
// every chunk but the last is kChunkSize long, and the lengths add up to the size.
Status checkCompleteMap(const std::string& path, const FileContent& content) {
  uint64_t total = 0;
  for (size_t i = 0; i < content.chunks.size(); ++i) {
    const ChunkRef& c = content.chunks[i];
    if (c.index != i) {
      return invalidArgument(path, ": chunk indexes must be dense from 0: got ", std::to_string(c.index),
                             " at position ", std::to_string(i));
    }
    if (i + 1 < content.chunks.size() && c.length != kChunkSize) {
      return invalidArgument(path, ": chunk ", std::to_string(i), " must be 4 MiB: only the last may be shorter");
    }
    total += c.length;
  }
  if (total != content.size) {
    return invalidArgument(path, ": chunk lengths add up to ", std::to_string(total), ", not the size ",
                           std::to_string(content.size));
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<Attr>> FileSystemImpl::commitFiles(const std::vector<PathContent>& files, bool parents) {
  std::vector<std::vector<std::string>> parts(files.size());
  std::vector<InodeId> fresh(files.size());
  bool defer_sync = true;
  for (size_t i = 0; i < files.size(); ++i) {
    ASSIGN_OR_RETURN(parts[i], validatePath(files[i].path));
    if (parts[i].empty()) return isDirectory("is a directory: /");
    RETURN_IF_ERROR(checkCompleteMap(files[i].path, files[i].content));
    // Allocated outside the transaction (a retry must not allocate again); an id not used
    // because the file already exists is simply skipped, as in commitFile.
    ASSIGN_OR_RETURN(fresh[i], inodes_.next());
    defer_sync = defer_sync && files[i].content.defer_sync;
  }
  if (parents) {
    // Missing parent directories first, in a transaction of their own: creating a directory
    // touches its parent's inode, which every concurrent group creating a sibling touches too,
    // and a conflict should retry this small transaction rather than the whole group. (Like
    // `mkdir -p` before a write, they stay when the group then fails.) When every parent
    // exists this only reads.
    RETURN_IF_ERROR(engine_.run(
        [&](db::Transaction& t) -> Status {
          MetaTxn m(t, keys_, ws_keys_, store_, nowNanos());
          std::set<std::vector<std::string>> seen;  // each parent once
          for (const auto& p : parts) {
            if (!seen.insert(std::vector<std::string>(p.begin(), p.end() - 1)).second) continue;
            RETURN_IF_ERROR(parentInTxn(m, p, true, CreateOptions{}).status());
          }
          return m.finish();
        },
        {.durability = defer_sync ? db::Durability::kBuffered : db::Durability::kSync}));
  }
  std::vector<Attr> out(files.size());
  RETURN_IF_ERROR(engine_.run(
      [&](db::Transaction& t) -> Status {
        MetaTxn m(t, keys_, ws_keys_, store_, nowNanos());
        std::vector<InodeRec*> recs(files.size());
        // Parent directories resolved in this transaction (siblings share them; the walk is
        // in the read set once, which is all the conflict check needs).
        std::map<std::vector<std::string>, InodeId> parent_of;
        for (size_t i = 0; i < files.size(); ++i) {
          const std::string& path = files[i].path;
          const FileContent& content = files[i].content;
          CreateOptions o;
          std::vector<std::string> dir(parts[i].begin(), parts[i].end() - 1);
          auto known = parent_of.find(dir);
          InodeId parent = 0;
          if (known != parent_of.end()) {
            parent = known->second;
          } else {
            ASSIGN_OR_RETURN(parent, parentInTxn(m, parts[i], parents, o));
            parent_of.emplace(std::move(dir), parent);
          }
          ASSIGN_OR_RETURN(auto e, m.entry(parent, parts[i].back()));
          if (e && e->type == FileType::kDirectory) return isDirectory("is a directory: ", path);
          if (e && e->type == FileType::kRegular) {
            ASSIGN_OR_RETURN(recs[i], m.inode(e->ino));
          } else {
            if (e) RETURN_IF_ERROR(unlinkIn(m, parent, parts[i].back()));  // a symlink is replaced
            if (content.mode) o.mode = *content.mode;
            ASSIGN_OR_RETURN(recs[i], createIn(m, parent, parts[i].back(), FileType::kRegular, o, fresh[i], {}));
          }
          RETURN_IF_ERROR(writeContent(m, recs[i], content, true));
        }
        RETURN_IF_ERROR(m.finish());
        for (size_t i = 0; i < files.size(); ++i) out[i] = recs[i]->attr;  // committed versions
        return Status::OK();
      },
      {.durability = defer_sync ? db::Durability::kBuffered : db::Durability::kSync}));
  return out;
}

}  // namespace strata::fs
