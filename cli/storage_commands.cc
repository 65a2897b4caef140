// `strata storage ...`: file management against the REST API. Each subcommand is a thin shell:
// parse, call the client or an engine (uploader.h, downloader.h), print human text or --json.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/downloader.h"
#include "cli/format.h"
#include "cli/listing.h"
#include "cli/paths.h"
#include "cli/registry.h"
#include "cli/uploader.h"

namespace strata::cli {
namespace {

using nlohmann::json;

struct StorageFlags {
  std::string fs = "default";
  bool json = false;
};


// Options every storage subcommand takes; they may come before or after the subcommand name.
void addCommonOptions(CLI::App* cmd, const std::shared_ptr<StorageFlags>& flags) {
  cmd->add_option("--fs", flags->fs, "file system to use")->capture_default_str();
  cmd->add_flag("--json", flags->json, "print machine-readable JSON on stdout");
}

void warnSkipped(const TransferResult& r) {
  if (r.skipped_local.empty()) return;
  warn("skipped " + std::to_string(r.skipped_local.size()) + " symlink(s) or special file(s), first: " +
       r.skipped_local.front());
}

void registerLs(CLI::App* storage, const std::shared_ptr<StorageFlags>& flags) {
  struct Args {
    bool long_form = false;
    std::string path = "/";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = storage->add_subcommand("ls", "List a directory (or show one file)");
  cmd->add_flag("-l,--long", args->long_form, "long form: mode, size, modification time, name");
  cmd->add_option("path", args->path, "remote path (default: /)");
  addCommonOptions(cmd, flags);
  cmd->callback([flags, args] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto client, connect());
      const std::string path = normalizeRemote(args->path);
      json entries = json::array();
      std::string cursor;
      do {
        ASSIGN_OR_RETURN(client::ListPage page, client->list(flags->fs, path, cursor, 10000));
        for (const auto& e : page.entries) {
          if (flags->json) {
            entries.push_back(entryJson(e));
          } else {
            std::printf("%s\n", (args->long_form ? longListing(e) : shortListing(e)).c_str());
          }
        }
        cursor = std::move(page.next_cursor);
      } while (!cursor.empty());
      if (flags->json) printJson({{"path", path}, {"entries", std::move(entries)}});
      return Status::OK();
    });
  });
}

void registerTransfer(CLI::App* storage, const std::shared_ptr<StorageFlags>& flags, bool upload) {
  struct Args {
    bool recursive = false;
    bool progress = false;
    bool rsync = false;
    int jobs = 8;
    std::string from, to;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd;
  if (upload) {
    cmd = storage->add_subcommand(
        "upload",
        "Upload a file or, with -r, a directory tree. Only changed data is sent: files whose size and\n"
        "modification time match the remote copy are skipped, and of the others only chunks the\n"
        "server does not already hold travel. Re-running an interrupted upload resumes it.\n"
        "  upload FILE REMOTE        REMOTE is the new file, or the directory to put it in when it\n"
        "                            exists as a directory or ends with '/'.\n"
        "  upload -r DIR REMOTE_DIR  REMOTE_DIR gets DIR's contents (like rsync -r DIR/ REMOTE_DIR/),\n"
        "                            created if missing; empty directories are created too.\n"
        "Symlinks, sockets, FIFOs and devices inside DIR are skipped with a warning (never followed).");
    cmd->add_option("local", args->from, "local file or directory")->required();
    cmd->add_option("remote", args->to, "remote path")->required();
    cmd->add_flag("--rsync", args->rsync, "incremental mode (always on; accepted for rsync users)");
  } else {
    cmd = storage->add_subcommand(
        "download",
        "Download a file or, with -r, a directory tree. Files whose size and modification time match\n"
        "the local copy are skipped; of a changed file of the same size only differing chunks are\n"
        "fetched. Files are written to a temp file and renamed into place, with the remote mtime\n"
        "and mode; every chunk is verified against its SHA-256.\n"
        "  download REMOTE_FILE LOCAL        LOCAL is the file, or the directory to put it in when it\n"
        "                                    exists as a directory or ends with '/'; '-' = stdout.\n"
        "  download -r REMOTE_DIR LOCAL_DIR  LOCAL_DIR gets REMOTE_DIR's contents (created if missing);\n"
        "                                    empty directories and symlinks are recreated.");
    cmd->add_option("remote", args->from, "remote path")->required();
    cmd->add_option("local", args->to, "local path")->required();
  }
  cmd->add_flag("-r,--recursive", args->recursive, "transfer a directory tree");
  cmd->add_flag("-p,--progress", args->progress, "show bytes, rate, ETA and files on a terminal (stderr)");
  cmd->add_option("-j,--jobs", args->jobs, "parallel requests")->capture_default_str()->check(CLI::Range(1, 64));
  addCommonOptions(cmd, flags);
  cmd->callback([flags, args, upload] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto client, connect());
      if (!upload && args->to == "-") return downloadToStdout(*client, flags->fs, args->from);
      TransferOptions options;
      options.fs = flags->fs;
      options.recursive = args->recursive;
      options.workers = args->jobs;
      Progress progress(args->progress && ::isatty(STDERR_FILENO));
      auto result = upload ? runUpload(*client, options, args->from, args->to, progress)
                           : runDownload(*client, options, args->from, args->to, progress);
      progress.finish();
      if (!result.ok()) return result.status();
      warnSkipped(*result);
      if (flags->json) {
        std::printf("%s\n", summaryJson(*result).c_str());
      } else {
        std::printf("%s\n", summaryLine(upload ? "uploaded" : "downloaded", upload ? "sent" : "received", *result).c_str());
      }
      return Status::OK();
    });
  });
}

void registerRm(CLI::App* storage, const std::shared_ptr<StorageFlags>& flags) {
  struct Args {
    bool recursive = false;
    std::string path;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = storage->add_subcommand("rm", "Remove a file, an empty directory, or (-r) a whole tree");
  cmd->add_flag("-r,--recursive", args->recursive, "remove a directory and everything in it");
  cmd->add_option("path", args->path, "remote path")->required();
  addCommonOptions(cmd, flags);
  cmd->callback([flags, args] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto client, connect());
      const std::string path = normalizeRemote(args->path);
      RETURN_IF_ERROR(client->remove(flags->fs, path, args->recursive));
      if (flags->json) printJson({{"path", path}, {"deleted", true}});
      return Status::OK();
    });
  });
}

void registerMkdir(CLI::App* storage, const std::shared_ptr<StorageFlags>& flags) {
  struct Args {
    bool parents = false;
    std::string path;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = storage->add_subcommand("mkdir", "Create a directory");
  cmd->add_flag("-p,--parents", args->parents, "create missing parents; no error if it already exists");
  cmd->add_option("path", args->path, "remote path")->required();
  addCommonOptions(cmd, flags);
  cmd->callback([flags, args] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto client, connect());
      const std::string path = normalizeRemote(args->path);
      ASSIGN_OR_RETURN(client::Entry e, client->mkdir(flags->fs, path, args->parents));
      if (flags->json) {
        json j = entryJson(e);
        j["path"] = path;
        printJson(j);
      }
      return Status::OK();
    });
  });
}

void registerMv(CLI::App* storage, const std::shared_ptr<StorageFlags>& flags) {
  struct Args {
    std::string from, to;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = storage->add_subcommand(
      "mv",
      "Move or rename atomically. When DST is an existing directory (or ends with '/') SRC moves into\n"
      "it; otherwise SRC is renamed to DST, replacing a file or an empty directory there.");
  cmd->add_option("src", args->from, "remote source path")->required();
  cmd->add_option("dst", args->to, "remote destination path")->required();
  addCommonOptions(cmd, flags);
  cmd->callback([flags, args] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto client, connect());
      const std::string from = normalizeRemote(args->from);
      std::string to = normalizeRemote(args->to);
      auto dst = client->stat(flags->fs, to);
      if ((dst.ok() && dst->isDir() && to != from) || (!dst.ok() && endsWithSlash(args->to))) {
        if (!dst.ok() && dst.status().code() != Code::kNotFound) return dst.status();
        to = joinRemote(to, baseName(from));
      }
      ASSIGN_OR_RETURN(client::Entry e, client->move(flags->fs, from, to));
      if (flags->json) {
        json j = entryJson(e);
        j["from"] = from;
        j["path"] = to;
        printJson(j);
      }
      return Status::OK();
    });
  });
}

void registerDu(CLI::App* storage, const std::shared_ptr<StorageFlags>& flags) {
  auto path = std::make_shared<std::string>();
  auto* cmd = storage->add_subcommand("du", "Show bytes and counts of files, directories and symlinks\n"
                                            "(the whole file system without PATH)");
  cmd->add_option("path", *path, "remote path (default: whole file system)");
  addCommonOptions(cmd, flags);
  cmd->callback([flags, path] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto client, connect());
      std::optional<std::string> p;
      if (!path->empty()) p = normalizeRemote(*path);
      ASSIGN_OR_RETURN(fs::Usage u, client->usage(flags->fs, p ? std::optional<std::string_view>(*p) : std::nullopt));
      const std::string shown = p ? *p : "/";
      if (flags->json) {
        printJson({{"path", shown}, {"bytes", u.bytes}, {"files", u.files}, {"directories", u.directories},
                   {"symlinks", u.symlinks}});
      } else {
        std::printf("%s (%llu bytes)  %llu files  %llu directories  %llu symlinks  %s\n", humanBytes(u.bytes).c_str(),
                    static_cast<unsigned long long>(u.bytes), static_cast<unsigned long long>(u.files),
                    static_cast<unsigned long long>(u.directories), static_cast<unsigned long long>(u.symlinks),
                    shown.c_str());
      }
      return Status::OK();
    });
  });
}

void registerLsFs(CLI::App* storage, const std::shared_ptr<StorageFlags>& flags) {
  auto* cmd = storage->add_subcommand("ls-fs", "List the file systems of the workspace");
  addCommonOptions(cmd, flags);
  cmd->callback([flags] {
    runCommand([&]() -> Status {
      ASSIGN_OR_RETURN(auto client, connect());
      ASSIGN_OR_RETURN(auto names, client->listFileSystems());
      if (flags->json) {
        json list = json::array();
        for (const auto& n : names) list.push_back({{"name", n}});
        printJson({{"filesystems", std::move(list)}});
      } else {
        for (const auto& n : names) std::printf("%s\n", n.c_str());
      }
      return Status::OK();
    });
  });
}

}  // namespace

void registerStorageCommands(CLI::App& app) {
  auto flags = std::make_shared<StorageFlags>();
  auto* storage = app.add_subcommand("storage", "Manage files in a Strata file system");
  storage->require_subcommand(1);
  addCommonOptions(storage, flags);  // also accepted before the subcommand name
  registerLs(storage, flags);
  registerTransfer(storage, flags, /*upload=*/true);
  registerTransfer(storage, flags, /*upload=*/false);
  registerRm(storage, flags);
  registerMkdir(storage, flags);
  registerMv(storage, flags);
  registerDu(storage, flags);
  registerLsFs(storage, flags);
}

}  // namespace strata::cli
