// What this binary is: its version (CMake's project version) and the git
// commit it was built from ("unknown" outside a git checkout, "-dirty" with
// uncommitted changes). Both are written at build time
// (src/core/build_info.cmake).
#pragma once

namespace signalmesh::build_info {

extern const char* const kVersion;
extern const char* const kCommit;

}  // namespace signalmesh::build_info
