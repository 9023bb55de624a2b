// The validator's first pass over a client's bytes, before parsing.
#pragma once

#include <cstddef>
#include <string_view>

namespace signalmesh::protocol {

// Rejects, before parsing, what is not an object, what nests deeper than
// max_depth (so no input can make the parser build a huge stack), NUL bytes
// (the in-place parse reads NUL as end of input, so "{...}\0garbage" would
// otherwise pass), invalid UTF-8 and control characters (we relay the
// client's bytes as they are). Returns the problem, or nullptr.
const char* prescan(std::string_view payload, std::size_t max_depth);

}  // namespace signalmesh::protocol
