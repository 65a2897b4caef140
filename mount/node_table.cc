#include "mount/node_table.h"

namespace strata::mount {

std::shared_ptr<FileNode> NodeTable::open(fs::InodeId ino) {
  std::lock_guard lock(mu_);
  Slot& slot = nodes_[ino];
  if (!slot.node) slot.node = std::make_shared<FileNode>(ino, env_);
  ++slot.opens;
  return slot.node;
}

void NodeTable::close(fs::InodeId ino) {
  std::shared_ptr<FileNode> node;
  {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(ino);
    if (it == nodes_.end() || --it->second.opens > 0) return;
    node = it->second.node;
  }
  // Outside the table lock: these take the node's lock.
  const bool changes = node->hasChanges();
  const uint64_t version = node->version();
  std::lock_guard lock(mu_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || it->second.opens > 0 || it->second.node != node || changes) return;
  nodes_.erase(it);
  if (versions_.size() >= kMaxRemembered) versions_.clear();
  if (version) versions_[ino] = version;
}

std::shared_ptr<FileNode> NodeTable::find(fs::InodeId ino) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : it->second.node;
}

std::vector<std::shared_ptr<FileNode>> NodeTable::all() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<FileNode>> out;
  for (auto& [ino, slot] : nodes_) out.push_back(slot.node);
  return out;
}

uint64_t NodeTable::rememberedVersion(fs::InodeId ino) {
  std::lock_guard lock(mu_);
  auto it = versions_.find(ino);
  return it == versions_.end() ? 0 : it->second;
}

void NodeTable::forgetVersion(fs::InodeId ino) {
  std::lock_guard lock(mu_);
  versions_.erase(ino);
}

}  // namespace strata::mount
