#include "common/exit_code.h"

#include <atomic>

namespace strata {
namespace {
std::atomic<int> g_exit_code{0};
}
void setExitCode(int code) { g_exit_code = code; }
int exitCode() { return g_exit_code; }
}  // namespace strata
