#include "cli/small_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "client/chunking.h"
#include "common/sha256.h"

namespace strata::cli {
namespace {

constexpr size_t kMaxFilesPerRequest = 1000;  // the server takes up to 10,000

std::string_view parentOf(std::string_view path) { return path.substr(0, path.rfind('/') + 1); }

// Reads `f` whole into `data` and checks, on the same descriptor, that it is still the file the
// walk saw.
Status readWhole(const SmallUpload& f, std::string& data) {
  const int fd = ::open(f.local_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError("cannot open ", f.local_path, ": ", std::strerror(errno));
  Status st = f.size == 0 ? Status::OK()
                          : client::readExact(fd, 0, static_cast<uint32_t>(f.size), data, f.local_path);
  struct stat after {};
  if (st.ok() && ::fstat(fd, &after) != 0) st = ioError("cannot stat ", f.local_path, ": ", std::strerror(errno));
  ::close(fd);
  RETURN_IF_ERROR(st);
  const int64_t mtime = static_cast<int64_t>(after.st_mtim.tv_sec) * 1'000'000'000 + after.st_mtim.tv_nsec;
  if (static_cast<uint64_t>(after.st_size) != f.size || mtime != f.mtime_ns) {
    return Status(Code::kBusy, f.local_path + " changed during the upload; run the command again");
  }
  return Status::OK();
}

Status sendGroup(const client::Client& client, const std::string& fs, std::span<const SmallUpload> group,
                 Progress& progress, std::atomic<uint64_t>& files_done) {
  std::vector<std::string> data(group.size());
  std::vector<client::SmallFile> files(group.size());
  uint64_t bytes = 0, wire = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    RETURN_IF_ERROR(readWhole(group[i], data[i]));
    client::SmallFile& f = files[i];
    f.path = group[i].remote_path;
    f.data = data[i];
    if (!data[i].empty()) f.id = Sha256::of(data[i]);
    f.mtime_ns = group[i].mtime_ns;
    f.mode = group[i].mode;
    f.send_data = !group[i].maybe_same;
    bytes += group[i].size;
    if (f.send_data) wire += group[i].size;
  }
  ASSIGN_OR_RETURN(auto results, client.writeFiles(fs, files, /*parents=*/true));
  // Files sent by id whose chunk the server lacks: once more, with their bytes.
  std::vector<client::SmallFile> resend;
  std::vector<size_t> resent_at;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].missing && !files[i].send_data) {
      resend.push_back(files[i]);
      resend.back().send_data = true;
      resent_at.push_back(i);
      wire += files[i].data.size();
    }
  }
  if (!resend.empty()) {
    ASSIGN_OR_RETURN(auto again, client.writeFiles(fs, resend, /*parents=*/true));
    for (size_t k = 0; k < again.size(); ++k) results[resent_at[k]] = std::move(again[k]);
  }
  uint64_t committed = 0;
  Status first_error;
  for (const auto& r : results) {
    if (r.status.ok()) {
      ++committed;
    } else if (first_error.ok()) {
      const std::string& msg = r.status.message();
      first_error = Status(r.status.code(),
                           msg.find(r.path) == std::string::npos ? r.path + ": " + msg : msg);
    }
  }
  files_done += committed;
  progress.addFiles(committed);
  progress.addBytes(bytes);
  progress.addWire(wire);
  return first_error;
}

}  // namespace

Status uploadSmallFiles(const client::Client& client, const std::string& fs, TaskPool& pool,
                        std::span<const SmallUpload> files, Progress& progress,
                        std::atomic<uint64_t>& files_done, size_t request_bytes) {
  for (size_t i = 0; i < files.size() && !pool.failed();) {
    size_t j = i;
    size_t body = 0;
    while (j < files.size() && j - i < kMaxFilesPerRequest && (j == i || body + files[j].size <= request_bytes)) {
      // Past half a request, end it where a directory ends: concurrent requests then rarely
      // touch the same directory, whose inode every file commit in it changes (a conflict
      // makes the server redo a transaction).
      if (j > i && body >= request_bytes / 2 && parentOf(files[j].remote_path) != parentOf(files[j - 1].remote_path)) {
        break;
      }
      body += files[j].size + 200;  // + header
      ++j;
    }
    std::span<const SmallUpload> group = files.subspan(i, j - i);
    pool.submit([&client, &fs, group, &progress, &files_done]() {
      return sendGroup(client, fs, group, progress, files_done);
    });
    i = j;
  }
  return pool.wait();
}

}  // namespace strata::cli
