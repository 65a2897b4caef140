// AwsChunkedDecoder: the "aws-chunked" content encoding of S3 streaming uploads, as a byte
// source the object service can consume without ever holding the body.
//
//   <hex size>;chunk-signature=<sig>\r\n<bytes>\r\n ... 0;chunk-signature=<sig>\r\n
//   [trailer lines]\r\n
//
// Signed modes (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]): each chunk's signature chains
// from the previous one (the first from the request's seed signature) over
// "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<prev>\n<sha256('')>\n<sha256(bytes)>", and a
// signed trailer is checked with "AWS4-HMAC-SHA256-TRAILER". A chunk's bytes are handed out
// as they arrive and its signature is checked at its end; a mismatch fails the read (kUnauthenticated
// "SignatureDoesNotMatch"), so the put never commits: unverified bytes are never visible.
// Unsigned mode (STREAMING-UNSIGNED-PAYLOAD-TRAILER): framing only.
//
// Not thread-safe: one per request.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/sha256.h"
#include "common/status.h"
#include "server/s3/sigv4.h"

namespace strata::server::s3 {

// The signing state a signed stream continues from.
struct ChunkSigning {
  std::string signing_key;  // raw, from signingKey()
  std::string amz_date;
  CredentialScope scope;
  std::string seed_signature;  // the request's own signature
};

class AwsChunkedDecoder {
 public:
  // `raw` reads the encoded body (0 at its end). `signing` is nullopt for unsigned streams.
  using RawSource = std::function<Result<size_t>(char* dst, size_t size)>;
  AwsChunkedDecoder(RawSource raw, std::optional<ChunkSigning> signing, bool expect_trailer);

  // Decoded bytes, up to `size`; 0 once the final chunk (and trailer) were read and verified.
  Result<size_t> read(char* dst, size_t size);
  uint64_t decodedBytes() const { return decoded_; }

 private:
  enum class State { kHeader, kData, kDataEnd, kTrailer, kDone };

  // Ensures `n` bytes are buffered (fewer only at the end of the raw body).
  Status fill(size_t n);
  // One "\r\n"-terminated line (without the terminator); kInvalidArgument past 4 KiB.
  Result<std::string> readLine();
  Status parseHeader(const std::string& line);
  Status verifyChunk();
  Status readTrailer();

  RawSource raw_;
  std::optional<ChunkSigning> signing_;
  bool expect_trailer_;
  State state_ = State::kHeader;
  std::string buf_;  // raw bytes read but not consumed: buf_[pos_..]
  size_t pos_ = 0;
  bool raw_done_ = false;
  uint64_t chunk_left_ = 0;
  uint64_t chunk_size_ = 0;
  std::string chunk_signature_;
  std::string prev_signature_;
  std::unique_ptr<Sha256> chunk_hash_;
  uint64_t decoded_ = 0;
};

}  // namespace strata::server::s3
