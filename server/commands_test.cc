// `strata server fsck` and `strata server gc` through the real command line, on the data
// directory of a server that ran and stopped; and a stop() with a download in flight.
#include <CLI/CLI.hpp>
#include <chrono>
#include <thread>

#include "common/exit_code.h"
#include "server/commands.h"
#include "server/server_test_env.h"

namespace strata::server::testing {
namespace {

int runCommand(std::vector<std::string> args) {
  CLI::App app{"strata"};
  app.require_subcommand(1);
  registerCommands(app);
  std::vector<const char*> argv{"strata"};
  for (const auto& a : args) argv.push_back(a.c_str());
  setExitCode(0);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exitCode();
}

TEST_F(ServerTest, OfflineFsckAndGc) {
  ASSERT_EQ(upload(*admin(), "/a/file.bin", patternBytes(5000, 1)).status, 200);
  ASSERT_EQ(upload(*admin(), "/a/file.bin", patternBytes(6000, 2)).status, 200);  // old chunk unreferenced
  const std::string data = dir_ + "/data";
  // While the server runs, the data directory is locked.
  EXPECT_EQ(runCommand({"server", "fsck", "--data", data}), 1);
  server_->stop();
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(runCommand({"server", "fsck", "--data", data}), 0);
  EXPECT_EQ(runCommand({"server", "gc", "--data", data, "--grace-seconds", "0"}), 0);
  EXPECT_EQ(runCommand({"server", "fsck", "--data", data}), 0);
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("fsck: ok (3 inodes, 1 chunks referenced)"), std::string::npos) << out;
  EXPECT_NE(out.find("gc: deleted 1 chunks (5000 bytes)"), std::string::npos) << out;
  EXPECT_EQ(runCommand({"server", "fsck", "--data", dir_ + "/missing"}), 1);
  EXPECT_NE(runCommand({"server", "gc", "--data", data, "--grace-seconds", "-1"}), 0);
  // The file survived the collector.
  startServer();
  auto back = admin()->request("GET", "/api/v1/fs/default/content?path=%2Fa%2Ffile.bin");
  EXPECT_EQ(back.status, 200);
  EXPECT_TRUE(back.body == patternBytes(6000, 2));
}

TEST_F(ServerTest, StopIsBoundedWithADownloadInFlight) {
  const std::string data = patternBytes(3 * kChunk, 5);
  ASSERT_EQ(upload(*admin(), "/big", data).status, 200);
  // A client that asks for a large body and never reads it: the server blocks in write().
  auto slow = admin();
  slow->writeRaw("GET /api/v1/fs/default/content?path=%2Fbig HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                 admin_token_ + "\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  server_->stop();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(8));  // the grace is 2 s in tests
  startServer();
  EXPECT_TRUE(admin()->request("GET", "/api/v1/fs/default/content?path=%2Fbig").body == data);
}

}  // namespace
}  // namespace strata::server::testing
