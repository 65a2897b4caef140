#include "server/s3/master_key.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/random.h"

namespace strata::server::s3 {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

Status errnoStatus(const std::string& what, const std::string& path) {
  return ioError(what, " ", path, ": ", std::strerror(errno));
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

}  // namespace

MasterKey MasterKey::fromBytes(std::string_view key32) { return MasterKey(std::string(key32)); }

Result<MasterKey> MasterKey::loadOrCreate(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    // First start: write a fresh key to a temp file and link it into place, so a crash never
    // leaves a short key file and two starting servers agree on one key.
    std::string key = randomBytes(kKeyBytes);
    std::string tmp = path + ".tmp-" + randomHex(8);
    int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) return errnoStatus("cannot create", tmp);
    bool ok = ::write(out, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
              ::fsync(out) == 0;
    ::close(out);
    if (!ok) {
      ::unlink(tmp.c_str());
      return errnoStatus("cannot write", tmp);
    }
    int rc = ::link(tmp.c_str(), path.c_str());
    int link_errno = errno;
    ::unlink(tmp.c_str());
    if (rc != 0 && link_errno != EEXIST) {
      errno = link_errno;
      return errnoStatus("cannot create", path);
    }
    std::string dir = std::filesystem::path(path).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) return errnoStatus("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return errnoStatus("cannot stat", path);
  }
  if (st.st_mode & 077) {
    ::close(fd);
    return Status(Code::kPermissionDenied,
                  "master key " + path + " is accessible by group or others: chmod 600 it");
  }
  std::string key(kKeyBytes + 1, '\0');
  ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(kKeyBytes)) {
    return corruption("master key ", path, " must hold exactly 32 bytes");
  }
  key.resize(kKeyBytes);
  return MasterKey(std::move(key));
}

Result<std::string> MasterKey::seal(std::string_view plaintext, std::string_view associated) const {
  std::string out = randomBytes(kNonceBytes);
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  auto* u = reinterpret_cast<unsigned char*>(out.data());
  CipherCtx c;
  int len = 0;
  bool ok = c.ctx && EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(c.ctx, nullptr, nullptr,
                               reinterpret_cast<const unsigned char*>(key_.data()), u) == 1 &&
            EVP_EncryptUpdate(c.ctx, nullptr, &len,
                              reinterpret_cast<const unsigned char*>(associated.data()),
                              static_cast<int>(associated.size())) == 1 &&
            EVP_EncryptUpdate(c.ctx, u + kNonceBytes, &len,
                              reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(c.ctx, u + kNonceBytes + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                u + kNonceBytes + plaintext.size()) == 1;
  if (!ok) return internalError("AES-256-GCM encryption failed");
  return out;
}

Result<std::string> MasterKey::open(std::string_view sealed, std::string_view associated) const {
  if (sealed.size() < kNonceBytes + kTagBytes) return corruption("sealed secret is truncated");
  const size_t n = sealed.size() - kNonceBytes - kTagBytes;
  const auto* u = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string out(n, '\0');
  CipherCtx c;
  int len = 0;
  std::string tag(sealed.substr(kNonceBytes + n));
  bool ok = c.ctx && EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_DecryptInit_ex(c.ctx, nullptr, nullptr,
                               reinterpret_cast<const unsigned char*>(key_.data()), u) == 1 &&
            EVP_DecryptUpdate(c.ctx, nullptr, &len,
                              reinterpret_cast<const unsigned char*>(associated.data()),
                              static_cast<int>(associated.size())) == 1 &&
            EVP_DecryptUpdate(c.ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                              u + kNonceBytes, static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(c.ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &len) == 1;
  if (!ok) return corruption("sealed secret does not verify (wrong master key or tampered record)");
  return out;
}

}  // namespace strata::server::s3
