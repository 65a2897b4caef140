#include "server/s3/aws_chunked.h"

#include <algorithm>
#include <cstring>

#include "object/errors.h"

namespace strata::server::s3 {
namespace {

constexpr size_t kMaxLine = 4096;
constexpr size_t kReadPiece = 64 * 1024;
constexpr uint64_t kMaxChunk = 64ull << 20;  // far above what SDKs send (64 KiB .. 8 MiB)

Status malformed(std::string_view why) {
  return object::s3Error(Code::kInvalidArgument, "IncompleteBody", "malformed aws-chunked body: ",
                         why);
}

}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(RawSource raw, std::optional<ChunkSigning> signing,
                                     bool expect_trailer)
    : raw_(std::move(raw)), signing_(std::move(signing)), expect_trailer_(expect_trailer) {
  if (signing_) prev_signature_ = signing_->seed_signature;
}

Status AwsChunkedDecoder::fill(size_t n) {
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  while (buf_.size() - pos_ < n && !raw_done_) {
    size_t old = buf_.size();
    buf_.resize(old + kReadPiece);
    auto got = raw_(buf_.data() + old, kReadPiece);
    if (!got.ok()) {
      buf_.resize(old);
      return got.status();
    }
    buf_.resize(old + *got);
    if (*got == 0) raw_done_ = true;
  }
  return Status::OK();
}

Result<std::string> AwsChunkedDecoder::readLine() {
  for (;;) {
    size_t end = buf_.find("\r\n", pos_);
    if (end != std::string::npos) {
      std::string line = buf_.substr(pos_, end - pos_);
      pos_ = end + 2;
      return line;
    }
    if (buf_.size() - pos_ > kMaxLine) return malformed("line too long");
    if (raw_done_) return malformed("body ended inside a chunk header");
    RETURN_IF_ERROR(fill(buf_.size() - pos_ + 1));
  }
}

Status AwsChunkedDecoder::parseHeader(const std::string& line) {
  size_t semi = line.find(';');
  std::string_view hex = std::string_view(line).substr(0, semi);
  if (hex.empty() || hex.size() > 16) return malformed("bad chunk size");
  uint64_t size = 0;
  for (char c : hex) {
    int d = (c >= '0' && c <= '9') ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0) return malformed("bad chunk size");
    size = size << 4 | static_cast<uint64_t>(d);
  }
  if (size > kMaxChunk) return malformed("chunk too large");
  chunk_signature_.clear();
  if (semi != std::string::npos) {
    std::string_view ext = std::string_view(line).substr(semi + 1);
    constexpr std::string_view kSig = "chunk-signature=";
    if (!ext.starts_with(kSig)) return malformed("unknown chunk extension");
    chunk_signature_ = std::string(ext.substr(kSig.size()));
  }
  if (signing_ && chunk_signature_.size() != 64) {
    return object::s3Error(Code::kUnauthenticated, "SignatureDoesNotMatch",
                           "aws-chunked chunk without a chunk-signature");
  }
  chunk_size_ = chunk_left_ = size;
  chunk_hash_ = std::make_unique<Sha256>();
  return Status::OK();
}

Status AwsChunkedDecoder::verifyChunk() {
  if (!signing_) return Status::OK();
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts += signing_->amz_date + "\n" + signing_->scope.scope() + "\n" + prev_signature_ + "\n";
  sts += std::string(kEmptySha256) + "\n" + chunk_hash_->finish().hex();
  chunk_hash_.reset();
  std::string expected = signatureOf(signing_->signing_key, sts);
  if (!signaturesEqual(expected, chunk_signature_)) {
    return object::s3Error(Code::kUnauthenticated, "SignatureDoesNotMatch",
                           "the signature of an aws-chunked chunk does not match");
  }
  prev_signature_ = expected;
  return Status::OK();
}

Status AwsChunkedDecoder::readTrailer() {
  std::string canonical;
  std::string trailer_signature;
  for (;;) {
    ASSIGN_OR_RETURN(std::string line, readLine());
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string::npos) return malformed("bad trailer line");
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = canonicalHeaderValue(std::string_view(line).substr(colon + 1));
    if (name == "x-amz-trailer-signature") {
      trailer_signature = value;
    } else {
      canonical += name + ":" + value + "\n";
    }
  }
  if (signing_ && expect_trailer_) {
    std::string sts = "AWS4-HMAC-SHA256-TRAILER\n";
    sts += signing_->amz_date + "\n" + signing_->scope.scope() + "\n" + prev_signature_ + "\n";
    sts += sha256Hex(canonical);
    if (!signaturesEqual(signatureOf(signing_->signing_key, sts), trailer_signature)) {
      return object::s3Error(Code::kUnauthenticated, "SignatureDoesNotMatch",
                             "the signature of the aws-chunked trailer does not match");
    }
  }
  return Status::OK();
}

Result<size_t> AwsChunkedDecoder::read(char* dst, size_t size) {
  for (;;) {
    switch (state_) {
      case State::kDone:
        return size_t{0};
      case State::kHeader: {
        ASSIGN_OR_RETURN(std::string line, readLine());
        RETURN_IF_ERROR(parseHeader(line));
        if (chunk_size_ == 0) {
          RETURN_IF_ERROR(verifyChunk());
          // Without a trailer the final chunk ends with an empty line, as trailers do.
          RETURN_IF_ERROR(readTrailer());
          state_ = State::kDone;
        } else {
          state_ = State::kData;
        }
        break;
      }
      case State::kData: {
        if (pos_ == buf_.size()) {
          RETURN_IF_ERROR(fill(1));
          if (pos_ == buf_.size()) return malformed("body ended inside a chunk");
        }
        size_t n = static_cast<size_t>(std::min<uint64_t>({chunk_left_, size, buf_.size() - pos_}));
        if (n == 0) {
          state_ = State::kDataEnd;
          break;
        }
        std::memcpy(dst, buf_.data() + pos_, n);
        chunk_hash_->update(dst, n);
        pos_ += n;
        chunk_left_ -= n;
        decoded_ += n;
        if (chunk_left_ == 0) state_ = State::kDataEnd;
        return n;
      }
      case State::kDataEnd: {
        RETURN_IF_ERROR(fill(2));
        if (buf_.size() - pos_ < 2 || buf_.compare(pos_, 2, "\r\n") != 0) {
          return malformed("chunk not followed by CRLF");
        }
        pos_ += 2;
        RETURN_IF_ERROR(verifyChunk());
        state_ = State::kHeader;
        break;
      }
      case State::kTrailer:
        RETURN_IF_ERROR(readTrailer());
        state_ = State::kDone;
        break;
    }
  }
}

}  // namespace strata::server::s3
