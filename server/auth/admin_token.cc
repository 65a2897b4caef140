#include "server/auth/admin_token.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace strata::server::auth {
namespace {

Status errnoStatus(const std::string& what) {
  return ioError(what, ": ", std::strerror(errno));
}

Status writeSecretFile(const std::string& path, const std::string& text) {
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errnoStatus("cannot create " + path);
  std::string line = text + "\n";
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status st = errnoStatus("cannot write " + path);
      ::close(fd);
      return st;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status st = errnoStatus("cannot fsync " + path);
    ::close(fd);
    return st;
  }
  ::close(fd);
  return Status::OK();
}

Status syncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errnoStatus("cannot open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::OK() : errnoStatus("cannot fsync " + dir);
}

std::string readFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

Result<AdminToken> ensureAdminToken(TokenStore& tokens, const std::string& data_dir,
                                    std::string_view workspace) {
  AdminToken out;
  out.path = data_dir + "/admin-token";
  const std::string tmp = out.path + ".tmp";

  ASSIGN_OR_RETURN(bool done, tokens.bootstrapped(workspace));
  if (done) {
    // Finish a first start that crashed between commit and rename.
    if (::access(out.path.c_str(), F_OK) != 0 && ::access(tmp.c_str(), F_OK) == 0) {
      if (tokens.authenticate(readFirstLine(tmp)).ok()) {
        if (::rename(tmp.c_str(), out.path.c_str()) != 0) return errnoStatus("cannot rename " + tmp);
        RETURN_IF_ERROR(syncDir(data_dir));
      }
    }
    if (::access(out.path.c_str(), F_OK) != 0) {
      spdlog::warn("{} is missing; create a new admin token with an existing one", out.path);
    }
    return out;
  }

  ASSIGN_OR_RETURN(NewToken token, TokenStore::mint(workspace, "admin", false, true));
  RETURN_IF_ERROR(writeSecretFile(tmp, token.token));
  Status inserted = tokens.insertBootstrapAdmin(token);
  if (!inserted.ok()) {
    ::unlink(tmp.c_str());
    if (inserted.code() == Code::kAlreadyExists) return out;  // another process won the race
    return inserted;
  }
  if (::rename(tmp.c_str(), out.path.c_str()) != 0) return errnoStatus("cannot rename " + tmp);
  RETURN_IF_ERROR(syncDir(data_dir));
  out.created = true;
  return out;
}

}  // namespace strata::server::auth
