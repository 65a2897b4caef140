#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <mutex>
#include <optional>
#include <string>

namespace strata {
namespace {

std::optional<spdlog::level::level_enum> parseLevel(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "trace") return spdlog::level::trace;
  if (lower == "debug") return spdlog::level::debug;
  if (lower == "info") return spdlog::level::info;
  if (lower == "warn" || lower == "warning") return spdlog::level::warn;
  if (lower == "error") return spdlog::level::err;
  if (lower == "off") return spdlog::level::off;
  return std::nullopt;
}

}  // namespace

bool isLogLevel(std::string_view level) { return parseLevel(level).has_value(); }

void initLogging(std::string_view level) {
  static std::once_flag once;
  std::call_once(once, [] {
    // Plain (uncoloured) stderr: logs usually go to a journal or a file, not a terminal.
    auto logger = spdlog::stderr_logger_mt("strata");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%L%$ [%t] %v");
    // Warnings and errors are flushed at once so they survive a crash right after them.
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
  });
  auto parsed = parseLevel(level);
  spdlog::set_level(parsed.value_or(spdlog::level::info));
  if (!parsed) spdlog::warn("unknown log level '{}', using info", level);
}

}  // namespace strata
