// The JSON wire encoding of client/types.h (docs/api.md). Decoders reject a body that does not
// have the documented shape with kInvalidArgument ("bad response from server: ..."), so a
// client never acts on half-understood data. Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/types.h"
#include "common/status.h"

namespace strata::client::json {

Result<Entry> decodeEntry(std::string_view body);           // stat, mkdir, move answers
Result<ListPage> decodeListPage(std::string_view body);
// list?recursive=true: like decodeListPage, each entry's "path" becomes Entry::name.
Result<ListPage> decodeTreePage(std::string_view body);
// files:write: one result per file, in request order (`count` files were sent).
Result<std::vector<WriteResult>> decodeWriteResults(std::string_view body, size_t count);
Result<ChunkMap> decodeChunkMap(std::string_view body);
Result<UploadBatch> decodeUploadBatch(std::string_view body);
Result<std::vector<Entry>> decodeCommitResult(std::string_view body);
Result<fs::Usage> decodeUsage(std::string_view body);
Result<std::vector<std::string>> decodeFileSystems(std::string_view body);
Result<Token> decodeToken(std::string_view body);
Result<std::vector<Token>> decodeTokens(std::string_view body);
Result<WhoAmI> decodeWhoAmI(std::string_view body);

std::string encodeUploadBegin(std::span<const Digest> chunks, std::string_view upload_id);
std::string encodeCommit(std::span<const CommitFile> files, bool parents);
// The files:write body: per file [u32 BE header length][header JSON][data].
std::string encodeWriteFiles(std::span<const SmallFile> files);

// "file" / "dir" / "symlink".
std::string_view fileTypeName(fs::FileType type);

}  // namespace strata::client::json
