// Where a Redis backend connects: parsed from `redis://[[user]:password@]host[:port][/db]`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace signalmesh::backends::redis {

struct RedisUrl {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 6379;
  std::string user;      // Redis 6 ACL user; empty means AUTH with the password alone
  std::string password;  // empty: no AUTH
  int db = 0;            // 0: no SELECT
};

// Parses `redis://[[user]:password@]host[:port][/db]`. The user and password
// may be percent-encoded; an IPv6 host is written in brackets ([::1]:6379).
// On failure returns nullopt and, when `error` is given, says what is wrong
// in words fit for a start-up error.
std::optional<RedisUrl> parse_redis_url(std::string_view url, std::string* error = nullptr);

}  // namespace signalmesh::backends::redis
