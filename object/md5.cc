#include "object/md5.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace strata::object {

struct Md5::State {
  EVP_MD_CTX* ctx = nullptr;
};

Md5::Md5() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx, EVP_md5(), nullptr) != 1) {
    std::abort();  // only fails when OpenSSL is out of memory
  }
}

Md5::~Md5() { EVP_MD_CTX_free(state_->ctx); }

void Md5::update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(state_->ctx, data.data(), data.size());
}

Md5Digest Md5::finish() {
  Md5Digest d{};
  unsigned int n = 0;
  EVP_DigestFinal_ex(state_->ctx, d.data(), &n);
  return d;
}

Md5Digest Md5::of(std::string_view data) {
  Md5 h;
  h.update(data);
  return h.finish();
}

std::string_view md5Raw(const Md5Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace strata::object
