#include "common/log.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace strata {
namespace {

TEST(Log, LevelNames) {
  for (auto name : {"trace", "debug", "info", "warn", "warning", "error", "off", "INFO"}) {
    EXPECT_TRUE(isLogLevel(name)) << name;
  }
  EXPECT_FALSE(isLogLevel("verbose"));
  EXPECT_FALSE(isLogLevel(""));
}

TEST(Log, InitSetsLevel) {
  initLogging("debug");
  EXPECT_EQ(spdlog::get_level(), spdlog::level::debug);
  initLogging("error");
  EXPECT_EQ(spdlog::get_level(), spdlog::level::err);
  initLogging("nonsense");  // falls back to info
  EXPECT_EQ(spdlog::get_level(), spdlog::level::info);
  EXPECT_EQ(spdlog::default_logger()->name(), "strata");
}

}  // namespace
}  // namespace strata
