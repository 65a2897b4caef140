#include "fs/fsck.h"

#include <map>
#include <unordered_map>

#include "common/bytes.h"
#include "fs/keys.h"
#include "fs/records.h"
#include "fs/scan.h"

namespace strata::fs {
namespace {

constexpr size_t kMaxProblems = 1000;

struct InodeInfo {
  FileType type = FileType::kRegular;
  uint32_t nlink = 0;
  uint64_t size = 0;
  InodeId parent = 0;
  uint64_t names = 0;    // entries naming this inode
  uint64_t entries = 0;  // entries inside this directory
  uint64_t subdirs = 0;
};

class Checker {
 public:
  Checker(db::Engine& engine, blob::Store& store, const std::vector<ReferenceSource*>& sources)
      : engine_(engine), store_(store), sources_(sources) {}

  Result<FsckReport> run() {
    std::vector<std::string> workspaces;
    const std::string reg = WorkspaceKeys::registryPrefix();
    RETURN_IF_ERROR(scanPrefix(engine_, reg, [&](const db::KeyValue& kv) -> Result<bool> {
      workspaces.push_back(kv.key.substr(reg.size()));
      return true;
    }));
    for (const auto& ws : workspaces) RETURN_IF_ERROR(checkWorkspace(ws));
    return std::move(report_);
  }

 private:
  void problem(std::string text) {
    if (report_.problems.size() < kMaxProblems) report_.problems.push_back(std::move(text));
  }

  Status checkWorkspace(const std::string& ws) {
    const WorkspaceKeys keys(ws);
    refs_.clear();
    const std::string fs_prefix = keys.fsRecordPrefix();
    std::vector<std::pair<std::string, FsRec>> filesystems;
    RETURN_IF_ERROR(scanPrefix(engine_, fs_prefix, [&](const db::KeyValue& kv) -> Result<bool> {
      ASSIGN_OR_RETURN(FsRec r, decodeFs(kv.value));
      filesystems.emplace_back(kv.key.substr(fs_prefix.size()), r);
      return true;
    }));
    for (const auto& [name, rec] : filesystems) {
      RETURN_IF_ERROR(checkFs(ws + "/" + name, FsKeys(ws, rec.fsid)));
    }
    for (ReferenceSource* source : sources_) {
      RETURN_IF_ERROR(source->forEachReference(ws, [&](const Digest& id) { ++refs_[id]; }));
    }
    // Reference counts against the chunk maps of all file systems of the workspace (and the
    // references of the other sources).
    const std::string rc_prefix = keys.refcountPrefix();
    std::map<Digest, uint64_t> counted;
    RETURN_IF_ERROR(scanPrefix(engine_, rc_prefix, [&](const db::KeyValue& kv) -> Result<bool> {
      ASSIGN_OR_RETURN(uint64_t n, decodeCounter("reference count", kv.value));
      counted[WorkspaceKeys::idAfter(kv.key, rc_prefix.size())] = n;
      return true;
    }));
    for (const auto& [id, n] : counted) {
      auto it = refs_.find(id);
      uint64_t actual = it == refs_.end() ? 0 : it->second;
      if (actual != n) {
        problem(ws + ": chunk " + id.hex() + " has reference count " + std::to_string(n) +
                " but " + std::to_string(actual) + " references");
      }
    }
    for (const auto& [id, n] : refs_) {
      if (!counted.count(id)) {
        problem(ws + ": chunk " + id.hex() + " has " + std::to_string(n) +
                " references but no reference count");
      }
      auto info = store_.stat(ws, id);
      if (!info.ok()) {
        problem(ws + ": referenced chunk " + id.hex() + " is not in the store (" +
                info.status().toString() + ")");
      }
      ASSIGN_OR_RETURN(auto gc, engine_.get(keys.gcEntry(id)));
      if (gc) problem(ws + ": referenced chunk " + id.hex() + " is in the collector queue");
    }
    report_.chunks_referenced += refs_.size();
    return Status::OK();
  }

  Status checkFs(const std::string& label, const FsKeys& keys) {
    std::unordered_map<InodeId, InodeInfo> inodes;
    const std::string ip = keys.inodePrefix();
    InodeId max_ino = 0;
    UsageRec expect;
    RETURN_IF_ERROR(scanPrefix(engine_, ip, [&](const db::KeyValue& kv) -> Result<bool> {
      const InodeId ino = readU64BE(std::string_view(kv.key).substr(ip.size()));
      auto rec = decodeInode(ino, kv.value);
      if (!rec.ok()) {
        problem(label + ": inode " + std::to_string(ino) + ": " + rec.status().toString());
        return true;
      }
      InodeInfo& info = inodes[ino];
      info.type = rec->attr.type;
      info.nlink = rec->attr.nlink;
      info.size = rec->attr.size;
      info.parent = rec->parent;
      if (ino > max_ino) max_ino = ino;
      switch (info.type) {
        case FileType::kRegular: ++expect.files; expect.bytes += static_cast<int64_t>(info.size); break;
        case FileType::kDirectory: if (ino != kRootInode) ++expect.directories; break;
        case FileType::kSymlink: ++expect.symlinks; break;
      }
      return true;
    }));
    report_.inodes += inodes.size();

    const std::string dp = keys.direntAllPrefix();
    RETURN_IF_ERROR(scanPrefix(engine_, dp, [&](const db::KeyValue& kv) -> Result<bool> {
      std::string_view rest = std::string_view(kv.key).substr(dp.size());
      const InodeId parent = readU64BE(rest);
      const std::string name(rest.substr(8));
      const std::string where = label + ": entry '" + name + "' of inode " + std::to_string(parent);
      auto e = decodeDirent(kv.value);
      if (!e.ok()) {
        problem(where + ": " + e.status().toString());
        return true;
      }
      auto pit = inodes.find(parent);
      if (pit == inodes.end() || pit->second.type != FileType::kDirectory) {
        problem(where + ": its directory does not exist");
      } else {
        ++pit->second.entries;
        if (e->type == FileType::kDirectory) ++pit->second.subdirs;
      }
      auto cit = inodes.find(e->ino);
      if (cit == inodes.end()) {
        problem(where + ": names missing inode " + std::to_string(e->ino));
        return true;
      }
      ++cit->second.names;
      if (cit->second.type != e->type) problem(where + ": type differs from its inode");
      if (e->type == FileType::kDirectory && cit->second.parent != parent) {
        problem(where + ": directory's parent pointer is " + std::to_string(cit->second.parent));
      }
      return true;
    }));

    auto root = inodes.find(kRootInode);
    if (root == inodes.end() || root->second.type != FileType::kDirectory) {
      problem(label + ": root directory missing");
    }
    for (const auto& [ino, info] : inodes) {
      const std::string what = label + ": inode " + std::to_string(ino);
      if (info.type == FileType::kDirectory) {
        const uint64_t names = ino == kRootInode ? 1 : info.names;
        if (names != 1) problem(what + ": directory has " + std::to_string(info.names) + " names");
        if (info.nlink != 2 + info.subdirs) {
          problem(what + ": nlink " + std::to_string(info.nlink) + ", expected " +
                  std::to_string(2 + info.subdirs));
        }
        if (info.size != info.entries) {
          problem(what + ": size " + std::to_string(info.size) + " but " +
                  std::to_string(info.entries) + " entries");
        }
      } else {
        if (info.names == 0) problem(what + ": unreachable (no directory entry)");
        if (info.nlink != info.names) {
          problem(what + ": nlink " + std::to_string(info.nlink) + " but " +
                  std::to_string(info.names) + " names");
        }
      }
    }

    const std::string cp = keys.chunkAllPrefix();
    RETURN_IF_ERROR(scanPrefix(engine_, cp, [&](const db::KeyValue& kv) -> Result<bool> {
      std::string_view rest = std::string_view(kv.key).substr(cp.size());
      const InodeId ino = readU64BE(rest);
      const uint64_t index = readU64BE(rest.substr(8));
      const std::string what =
          label + ": chunk " + std::to_string(index) + " of inode " + std::to_string(ino);
      auto ref = decodeChunkRef(kv.value);
      if (!ref.ok()) {
        problem(what + ": " + ref.status().toString());
        return true;
      }
      ++refs_[ref->id];
      auto it = inodes.find(ino);
      if (it == inodes.end() || it->second.type != FileType::kRegular) {
        problem(what + ": no such regular file");
      } else if (index * kChunkSize + ref->length > it->second.size) {
        problem(what + ": lies past the file size " + std::to_string(it->second.size));
      }
      return true;
    }));

    const std::string xp = keys.xattrAllPrefix();
    RETURN_IF_ERROR(scanPrefix(engine_, xp, [&](const db::KeyValue& kv) -> Result<bool> {
      const InodeId ino = readU64BE(std::string_view(kv.key).substr(xp.size()));
      if (!inodes.count(ino)) problem(label + ": xattr of missing inode " + std::to_string(ino));
      return true;
    }));

    UsageRec have;
    RETURN_IF_ERROR(scanPrefix(engine_, keys.usagePrefix(), [&](const db::KeyValue& kv) -> Result<bool> {
      ASSIGN_OR_RETURN(UsageRec u, decodeUsage(kv.value));
      have.bytes += u.bytes;
      have.files += u.files;
      have.directories += u.directories;
      have.symlinks += u.symlinks;
      return true;
    }));
    auto cmp = [&](const char* field, int64_t got, int64_t want) {
      if (got != want) {
        problem(label + ": usage counter " + field + " is " + std::to_string(got) +
                ", the namespace holds " + std::to_string(want));
      }
    };
    cmp("bytes", have.bytes, expect.bytes);
    cmp("files", have.files, expect.files);
    cmp("directories", have.directories, expect.directories);
    cmp("symlinks", have.symlinks, expect.symlinks);

    ASSIGN_OR_RETURN(auto counter, engine_.get(keys.inodeCounter()));
    uint64_t next = 0;
    if (counter) {
      auto n = decodeCounter("inode counter", *counter);
      if (n.ok()) next = *n;
    }
    if (next <= max_ino) {
      problem(label + ": inode counter " + std::to_string(next) + " is not above inode " +
              std::to_string(max_ino));
    }
    return Status::OK();
  }

  db::Engine& engine_;
  blob::Store& store_;
  const std::vector<ReferenceSource*>& sources_;
  FsckReport report_;
  std::map<Digest, uint64_t> refs_;  // chunk-map references of the current workspace
};

}  // namespace

Result<FsckReport> checkConsistency(db::Engine& engine, blob::Store& store,
                                    const std::vector<ReferenceSource*>& sources) {
  return Checker(engine, store, sources).run();
}

}  // namespace strata::fs
