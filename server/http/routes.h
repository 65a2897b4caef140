// The REST routes of docs/api.md, one function per route group (one .cc file each).
#pragma once

#include <functional>

namespace strata::fs {
class FileSystemService;
}

namespace strata::db {
class Engine;
}

namespace strata::server::auth {
class TokenStore;
}

namespace strata::server::s3 {
class CredentialStore;
}

namespace strata::server::http {

class Router;
class MemoryBudget;

// GET /healthz, GET /metrics (no token). `before_metrics` runs before each render, to bring
// metrics kept elsewhere up to date.
void addHealthRoutes(Router& router, std::function<void()> before_metrics);
// /api/v1/tokens..., /api/v1/whoami.
// `s3`: tokens created with {"s3": true} also get an S3 credential (access key id = token id).
void addTokenRoutes(Router& router, auth::TokenStore& tokens, s3::CredentialStore& s3);
// /api/v1/fs, /api/v1/fs/{fs}/{stat,list,mkdir,files,move,usage,chunkmap}.
void addFsRoutes(Router& router, fs::FileSystemService& service);
// /api/v1/fs/{fs}/uploads..., PUT/POST /api/v1/fs/{fs}/chunks...
// (also registers addFilesWriteRoute).
void addUploadRoutes(Router& router, fs::FileSystemService& service, MemoryBudget& budget);
// POST /api/v1/fs/{fs}/files:write: many small files, data inline, one durability barrier.
void addFilesWriteRoute(Router& router, fs::FileSystemService& service, MemoryBudget& budget);
// GET /api/v1/fs/{fs}/content, GET /api/v1/fs/{fs}/chunks/{id}.
void addDownloadRoutes(Router& router, fs::FileSystemService& service, MemoryBudget& budget);

// Inode-level routes of the FUSE mount (docs/api-mount.md): /api/v1/fs/{fs}/inodes/{ino}/...,
// /api/v1/fs/{fs}/statfs, /api/v1/fs/{fs}/sessions... (sessions and locks live in `engine`).
void addInodeRoutes(Router& router, fs::FileSystemService& service, db::Engine& engine);

}  // namespace strata::server::http
