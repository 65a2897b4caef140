// FileSystemImpl: the path-level calls (REST, CLI). Paths resolve without following symlinks:
// a symlink or file in the middle of a path is kNotDirectory.
#include "fs/file_system_impl.h"
#include "fs/records.h"
#include "fs/scan.h"

namespace strata::fs {
namespace {

constexpr size_t kRemoveBatch = 256;  // entries removed per transaction by a recursive remove

std::string joinPrefix(const std::vector<std::string>& parts, size_t n) {
  std::string p;
  for (size_t i = 0; i < n; ++i) p += "/" + parts[i];
  return p.empty() ? "/" : p;
}

}  // namespace

Result<InodeId> FileSystemImpl::resolve(const std::vector<std::string>& parts) {
  InodeId cur = kRootInode;
  for (size_t i = 0; i < parts.size(); ++i) {
    ASSIGN_OR_RETURN(auto e, readEntry(cur, parts[i]));
    if (!e) return notFound("no such file or directory: ", joinPrefix(parts, i + 1));
    if (i + 1 < parts.size() && e->type != FileType::kDirectory) {
      return notDirectory("not a directory: ", joinPrefix(parts, i + 1));
    }
    cur = e->ino;
  }
  return cur;
}

Result<InodeId> FileSystemImpl::parentInTxn(MetaTxn& m, const std::vector<std::string>& parts,
                                            bool create, const CreateOptions& o) {
  InodeId cur = kRootInode;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    ASSIGN_OR_RETURN(auto e, m.entry(cur, parts[i]));
    if (!e) {
      if (!create) return notFound("no such directory: ", joinPrefix(parts, i + 1));
      ASSIGN_OR_RETURN(InodeId ino, inodes_.next());
      CreateOptions dir_opts = o;
      dir_opts.mode = 0755;
      RETURN_IF_ERROR(createIn(m, cur, parts[i], FileType::kDirectory, dir_opts, ino, {}).status());
      cur = ino;
      continue;
    }
    if (e->type != FileType::kDirectory) {
      return notDirectory("not a directory: ", joinPrefix(parts, i + 1));
    }
    cur = e->ino;
  }
  return cur;
}

Result<Attr> FileSystemImpl::stat(std::string_view path) {
  ASSIGN_OR_RETURN(auto parts, validatePath(path));
  ASSIGN_OR_RETURN(InodeId ino, resolve(parts));
  ASSIGN_OR_RETURN(InodeRec rec, readInode(ino));
  return rec.attr;
}

Result<Attr> FileSystemImpl::mkdirs(std::string_view path, bool parents, const CreateOptions& o) {
  ASSIGN_OR_RETURN(auto parts, validatePath(path));
  if (parts.empty()) {
    if (!parents) return alreadyExists("file exists: /");
    return getattr(kRootInode);
  }
  ASSIGN_OR_RETURN(InodeId ino, inodes_.next());
  return runTxnAttr([&](MetaTxn& m) -> Result<InodeRec*> {
    ASSIGN_OR_RETURN(InodeId parent, parentInTxn(m, parts, parents, o));
    ASSIGN_OR_RETURN(auto e, m.entry(parent, parts.back()));
    if (e) {
      if (parents && e->type == FileType::kDirectory) return m.inode(e->ino);
      return alreadyExists("file exists: ", path);
    }
    return createIn(m, parent, parts.back(), FileType::kDirectory, o, ino, {});
  });
}

Result<Attr> FileSystemImpl::commitFile(std::string_view path, const FileContent& content,
                                        bool parents) {
  ASSIGN_OR_RETURN(auto parts, validatePath(path));
  if (parts.empty()) return isDirectory("is a directory: /");
  // A complete map is dense from index 0 and its lengths add up to the size.
  uint64_t total = 0;
  for (size_t i = 0; i < content.chunks.size(); ++i) {
    const ChunkRef& c = content.chunks[i];
    if (c.index != i) {
      return invalidArgument("chunk indexes must be dense from 0: got ", std::to_string(c.index),
                             " at position ", std::to_string(i));
    }
    if (i + 1 < content.chunks.size() && c.length != kChunkSize) {
      return invalidArgument("chunk ", std::to_string(i), " must be 4 MiB: only the last may be shorter");
    }
    total += c.length;
  }
  if (total != content.size) {
    return invalidArgument("chunk lengths add up to ", std::to_string(total), ", not the size ",
                           std::to_string(content.size));
  }
  ASSIGN_OR_RETURN(InodeId fresh, inodes_.next());
  return runTxnAttr([&](MetaTxn& m) -> Result<InodeRec*> {
    CreateOptions o;
    ASSIGN_OR_RETURN(InodeId parent, parentInTxn(m, parts, parents, o));
    ASSIGN_OR_RETURN(auto e, m.entry(parent, parts.back()));
    InodeRec* rec = nullptr;
    if (e && e->type == FileType::kDirectory) return isDirectory("is a directory: ", path);
    if (e && e->type == FileType::kRegular) {
      // Contents are replaced in place: the inode (and every hard link) keeps its identity
      // and the version moves on, which is what open handles and ETags key on.
      ASSIGN_OR_RETURN(rec, m.inode(e->ino));
    } else {
      if (e) RETURN_IF_ERROR(unlinkIn(m, parent, parts.back()));  // a symlink is replaced
      if (content.mode) o.mode = *content.mode;
      ASSIGN_OR_RETURN(rec, createIn(m, parent, parts.back(), FileType::kRegular, o, fresh, {}));
    }
    RETURN_IF_ERROR(writeContent(m, rec, content, true));
    return rec;
  }, content.defer_sync ? db::Durability::kBuffered : db::Durability::kSync);
}

Status FileSystemImpl::remove(std::string_view path, bool recursive) {
  ASSIGN_OR_RETURN(auto parts, validatePath(path));
  if (parts.empty()) return invalidArgument("cannot remove /");
  for (int attempt = 0;; ++attempt) {
    InodeId dir = 0;
    Status st = runTxn([&](MetaTxn& m) -> Status {
      dir = 0;
      ASSIGN_OR_RETURN(InodeId parent, parentInTxn(m, parts, false, {}));
      ASSIGN_OR_RETURN(auto e, m.entry(parent, parts.back()));
      if (!e) return notFound("no such file or directory: ", path);
      if (e->type != FileType::kDirectory) return unlinkIn(m, parent, parts.back());
      dir = e->ino;
      return rmdirIn(m, parent, parts.back());
    });
    if (st.code() == Code::kNotEmpty && !recursive) {
      return notEmpty("directory not empty: ", path, " (remove it recursively to delete its contents)");
    }
    if (st.code() != Code::kNotEmpty || !recursive || attempt >= 8) return st;
    // Children first, in bounded transactions; then try the directory again (new entries
    // created meanwhile by others are removed by the next round).
    RETURN_IF_ERROR(removeTree(dir));
  }
}

Status FileSystemImpl::removeTree(InodeId top) {
  std::vector<InodeId> stack{top};
  while (!stack.empty()) {
    const InodeId d = stack.back();
    const std::string prefix = keys_.direntPrefix(d);
    db::ScanOptions opts;
    opts.limit = kRemoveBatch;
    ASSIGN_OR_RETURN(auto page, engine_.scan(prefix, db::prefixEnd(prefix), opts));
    if (page.empty()) {
      stack.pop_back();  // now empty: its parent's next batch removes it
      continue;
    }
    std::vector<std::pair<std::string, DirentRec>> leaves;
    for (const auto& kv : page) {
      ASSIGN_OR_RETURN(DirentRec e, decodeDirent(kv.value));
      if (e.type == FileType::kDirectory) {
        auto child = readInode(e.ino);
        if (child.ok() && child->attr.size != 0) {
          stack.push_back(e.ino);
          break;
        }
      }
      leaves.emplace_back(kv.key.substr(prefix.size()), e);
    }
    if (leaves.empty()) continue;
    RETURN_IF_ERROR(runTxn([&](MetaTxn& m) -> Status {
      for (const auto& [name, seen] : leaves) {
        // Re-checked inside the transaction; an entry that changed meanwhile waits for the
        // next round.
        ASSIGN_OR_RETURN(auto e, m.entry(d, name));
        if (!e || e->ino != seen.ino) continue;
        if (e->type == FileType::kDirectory) {
          ASSIGN_OR_RETURN(InodeRec * child, m.inode(e->ino));
          if (child->attr.size != 0) continue;
          RETURN_IF_ERROR(rmdirIn(m, d, name));
        } else {
          RETURN_IF_ERROR(unlinkIn(m, d, name));
        }
      }
      return Status::OK();
    }));
  }
  return Status::OK();
}

Status FileSystemImpl::move(std::string_view from, std::string_view to, uint32_t flags) {
  ASSIGN_OR_RETURN(auto src, validatePath(from));
  ASSIGN_OR_RETURN(auto dst, validatePath(to));
  if (src.empty()) return invalidArgument("cannot move /");
  if (dst.empty()) return invalidArgument("cannot replace /");
  return runTxn([&](MetaTxn& m) -> Status {
    ASSIGN_OR_RETURN(InodeId sp, parentInTxn(m, src, false, {}));
    ASSIGN_OR_RETURN(InodeId dp, parentInTxn(m, dst, false, {}));
    return renameIn(m, sp, src.back(), dp, dst.back(), flags);
  });
}

Result<DirPage> FileSystemImpl::list(std::string_view path, std::string_view cursor, size_t limit) {
  ASSIGN_OR_RETURN(auto parts, validatePath(path));
  ASSIGN_OR_RETURN(InodeId ino, resolve(parts));
  ASSIGN_OR_RETURN(InodeRec rec, readInode(ino));
  if (rec.attr.type != FileType::kDirectory) {
    DirPage page;  // listing a file is that one entry
    if (cursor.empty()) page.entries.push_back(DirEntry{parts.back(), ino, rec.attr.type});
    return page;
  }
  return readdir(ino, cursor, limit);
}

Result<Usage> FileSystemImpl::usage() {
  UsageRec sum;
  RETURN_IF_ERROR(scanPrefix(engine_, keys_.usagePrefix(), [&](const db::KeyValue& kv) -> Result<bool> {
    ASSIGN_OR_RETURN(UsageRec u, decodeUsage(kv.value));
    sum.bytes += u.bytes;
    sum.files += u.files;
    sum.directories += u.directories;
    sum.symlinks += u.symlinks;
    return true;
  }));
  auto clamp = [](int64_t v) { return v < 0 ? uint64_t{0} : static_cast<uint64_t>(v); };
  return Usage{clamp(sum.bytes), clamp(sum.files), clamp(sum.directories), clamp(sum.symlinks)};
}

}  // namespace strata::fs
