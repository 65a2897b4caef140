// Checks of single names (one path component) for the inode-level calls. validatePath
// (filesystem.h) checks whole paths with the same rules per component.
#pragma once

#include <string_view>

#include "common/status.h"

namespace strata::fs {

// Non-empty, not "." or "..", no "/" or NUL (kInvalidArgument), at most kMaxNameBytes bytes
// (kNameTooLong).
Status validateName(std::string_view name);

}  // namespace strata::fs
