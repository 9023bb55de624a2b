// A TCP port on 127.0.0.1 that the kernel just handed out.
#pragma once

#include <cstdint>

namespace signalmesh::test {

// Free unless another process takes it before the caller binds it (callers
// that launch a server on it fail then, visibly). Throws std::runtime_error
// when no socket can be bound at all.
std::uint16_t free_loopback_port();

}  // namespace signalmesh::test
