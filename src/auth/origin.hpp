// The Origin allow-list (protocol.md §6).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace signalmesh::auth {

// True when the request may upgrade: the list is empty (open), the request
// has no Origin header (not a browser), or its Origin matches an entry:
// exactly (ASCII case-insensitive), or a wildcard entry
// "scheme://*.example.com[:port]" matching one or more labels before
// ".example.com" (never "example.com" itself).
bool origin_allowed(std::string_view origin, bool has_origin,
                    const std::vector<std::string>& allowed);

// Whether an allow-list entry is well-formed (flag validation).
bool is_origin_pattern(std::string_view entry);

}  // namespace signalmesh::auth
