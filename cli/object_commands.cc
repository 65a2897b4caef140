// `strata object put|get|cat|rm|ls|url`: the object storage (buckets and keys) from the shell,
// over the REST API (docs/api-object.md).
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/registry.h"
#include "client/object_calls.h"

namespace strata::cli {
namespace {

using nlohmann::json;


Status errnoStatus(const std::string& what) {
  return Status(errno == ENOENT ? Code::kNotFound : Code::kIOError, what + ": " + std::strerror(errno));
}

// The bytes of a local file, mapped rather than read: a large upload costs page cache, not
// heap, and the kernel drops pages already sent under memory pressure.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errnoStatus(path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      Status s = errnoStatus(path);
      ::close(fd);
      return s;
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return invalidArgument(path, " is not a regular file");
    }
    auto f = std::unique_ptr<MappedFile>(new MappedFile());
    f->size_ = static_cast<size_t>(st.st_size);
    if (f->size_ > 0) {
      void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        Status s = errnoStatus(path);
        ::close(fd);
        return s;
      }
      ::madvise(p, f->size_, MADV_SEQUENTIAL);
      f->data_ = static_cast<const char*>(p);
    }
    ::close(fd);
    return f;
  }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view bytes() const { return {data_ == nullptr ? "" : data_, size_}; }

 private:
  MappedFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

Status writeAll(int fd, std::string_view bytes, const std::string& what) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errnoStatus(what);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

// Downloads to stdout, or to FILE through FILE.strata-part renamed at the end, so FILE is
// never left half written.
Status download(const client::Client& c, const std::string& bucket, const std::string& key,
                const std::string& file) {
  if (file.empty() || file == "-") {
    std::fflush(stdout);
    return client::objectGet(c, bucket, key,
                             [](std::string_view bytes) { return writeAll(STDOUT_FILENO, bytes, "standard output"); });
  }
  const std::string part = file + ".strata-part";
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errnoStatus(part);
  Status st = client::objectGet(c, bucket, key, [&](std::string_view bytes) { return writeAll(fd, bytes, part); });
  if (st.ok() && ::fsync(fd) != 0) st = errnoStatus(part);
  if (::close(fd) != 0 && st.ok()) st = errnoStatus(part);
  if (st.ok() && ::rename(part.c_str(), file.c_str()) != 0) st = errnoStatus(file);
  if (!st.ok()) ::unlink(part.c_str());
  return st;
}

struct ObjectArgs {
  std::string bucket;
  std::string key;
  std::string file;
  std::string prefix;
  std::string content_type;
  int64_t expires = 900;
  bool is_public = false;
  bool long_format = false;
  bool json = false;
};

}  // namespace

void registerObjectCommands(CLI::App& app) {
  auto a = std::make_shared<ObjectArgs>();
  auto* obj = app.add_subcommand("object", "Object storage: buckets of keys, also served over S3");
  obj->require_subcommand(1);

  auto* put = obj->add_subcommand("put", "Upload FILE (or standard input) as BUCKET/KEY");
  put->add_option("bucket", a->bucket, "bucket")->required();
  put->add_option("key", a->key, "object key (up to 1024 bytes)")->required();
  put->add_option("file", a->file, "local file; standard input when omitted or '-'");
  put->add_option("--content-type", a->content_type, "Content-Type stored with the object");
  put->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  put->callback([a] {
    runCommand([&]() -> Status {
      std::unique_ptr<MappedFile> mapped;
      std::string from_stdin;
      std::string_view body;
      if (a->file.empty() || a->file == "-") {
        from_stdin = readStdin();
        body = from_stdin;
      } else {
        ASSIGN_OR_RETURN(mapped, MappedFile::open(a->file));
        body = mapped->bytes();
      }
      ASSIGN_OR_RETURN(auto c, connect());
      ASSIGN_OR_RETURN(auto info, client::objectPut(*c, a->bucket, a->key, body, a->content_type));
      if (a->json) printJson({{"key", info.key}, {"size", info.size}, {"etag", info.etag}});
      return Status::OK();
    });
  });

  auto* get = obj->add_subcommand("get", "Download BUCKET/KEY to FILE (standard output when omitted or '-')");
  get->add_option("bucket", a->bucket, "bucket")->required();
  get->add_option("key", a->key, "object key")->required();
  get->add_option("file", a->file, "local file to write");
  get->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      return download(*c, a->bucket, a->key, a->file);
    });
  });

  auto* cat = obj->add_subcommand("cat", "Print BUCKET/KEY on standard output");
  cat->add_option("bucket", a->bucket, "bucket")->required();
  cat->add_option("key", a->key, "object key")->required();
  cat->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      return download(*c, a->bucket, a->key, "");
    });
  });

  auto* rm = obj->add_subcommand("rm", "Delete BUCKET/KEY (deleting a missing key is not an error)");
  rm->add_option("bucket", a->bucket, "bucket")->required();
  rm->add_option("key", a->key, "object key")->required();
  rm->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  rm->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      ASSIGN_OR_RETURN(bool existed, client::objectDelete(*c, a->bucket, a->key));
      if (a->json) printJson({{"deleted", existed}});
      return Status::OK();
    });
  });

  auto* ls = obj->add_subcommand("ls", "List buckets, or the keys of BUCKET (starting with PREFIX)");
  ls->add_option("bucket", a->bucket, "bucket; the buckets are listed when omitted");
  ls->add_option("prefix", a->prefix, "only keys starting with this");
  ls->add_flag("-l,--long", a->long_format, "also print size and modification time");
  ls->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  ls->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      if (a->bucket.empty()) {
        ASSIGN_OR_RETURN(auto buckets, client::objectListBuckets(*c));
        json all = json::array();
        for (const auto& b : buckets) {
          if (a->json) {
            all.push_back({{"name", b.name}, {"public", b.is_public}, {"created_unix", b.created_unix}});
          } else if (a->long_format) {
            std::printf("%s\t%s\n", b.is_public ? "public" : "private", b.name.c_str());
          } else {
            std::printf("%s\n", b.name.c_str());
          }
        }
        if (a->json) printJson({{"buckets", all}});
        return Status::OK();
      }
      std::string cursor;
      json all = json::array();
      do {
        ASSIGN_OR_RETURN(auto page, client::objectList(*c, a->bucket, a->prefix, "", cursor, 1000));
        for (const auto& o : page.objects) {
          if (a->json) {
            all.push_back({{"key", o.key}, {"size", o.size}, {"etag", o.etag}, {"modified_unix", o.modified_unix},
                           {"content_type", o.content_type}});
          } else if (a->long_format) {
            std::printf("%12llu\t%lld\t%s\n", static_cast<unsigned long long>(o.size),
                        static_cast<long long>(o.modified_unix), o.key.c_str());
          } else {
            std::printf("%s\n", o.key.c_str());
          }
        }
        cursor = page.next_cursor;
      } while (!cursor.empty());
      if (a->json) printJson({{"objects", all}});
      return Status::OK();
    });
  });

  auto* url = obj->add_subcommand("url", "Print a URL that reads BUCKET/KEY without a token");
  url->add_option("bucket", a->bucket, "bucket")->required();
  url->add_option("key", a->key, "object key")->required();
  // The range (1..604800) is checked by the server, so a bad value fails like any other error.
  url->add_option("--expires", a->expires, "seconds the URL stays valid, 1..604800 (private buckets; default 900)");
  url->add_flag("--json", a->json, "print machine-readable JSON on stdout");
  url->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      ASSIGN_OR_RETURN(auto u, client::objectTemporaryUrl(*c, a->bucket, a->key, a->expires));
      if (a->json) {
        json out = {{"url", u.url}, {"public", u.is_public}};
        out["expires_unix"] = u.expires_unix ? json(*u.expires_unix) : json(nullptr);
        printJson(out);
      } else {
        std::printf("%s\n", u.url.c_str());
      }
      return Status::OK();
    });
  });

  auto* mb = obj->add_subcommand("mb", "Create a bucket");
  mb->add_option("bucket", a->bucket, "bucket name (S3 rules: 3-63 of [a-z0-9.-])")->required();
  mb->add_flag("--public", a->is_public, "anyone may read its objects without a token");
  mb->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      return client::objectCreateBucket(*c, a->bucket, a->is_public);
    });
  });
  auto* rb = obj->add_subcommand("rb", "Delete an empty bucket");
  rb->add_option("bucket", a->bucket, "bucket")->required();
  rb->callback([a] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto c, connect());
      return client::objectDeleteBucket(*c, a->bucket);
    });
  });
}

}  // namespace strata::cli
