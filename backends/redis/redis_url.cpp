#include "redis/redis_url.hpp"

#include <cctype>

namespace signalmesh::backends::redis {

namespace {

constexpr std::string_view kForm = " (expected redis://[:password@]host[:port][/db])";

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// %XX escapes; false on a malformed one.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

// Decimal digits only, at most `max`.
bool parse_decimal(std::string_view s, long max, long& out) {
  if (s.empty() || s.size() > 9) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return out <= max;
}

bool valid_host_name(std::string_view host) {
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

bool valid_ipv6(std::string_view host) {
  for (char c : host) {
    if (hex_value(c) < 0 && c != ':' && c != '.') return false;
  }
  return true;
}

}  // namespace

std::optional<RedisUrl> parse_redis_url(std::string_view url, std::string* error) {
  // The URL itself is never echoed: it may hold a password.
  auto bad = [error](std::string_view why) -> std::optional<RedisUrl> {
    if (error != nullptr) *error = "invalid Redis URL: " + std::string(why) + std::string(kForm);
    return std::nullopt;
  };
  constexpr std::string_view kScheme = "redis://";
  if (starts_with_nocase(url, "rediss://")) return bad("TLS (rediss://) is not supported");
  if (!starts_with_nocase(url, kScheme)) return bad("it must start with redis://");
  std::string_view rest = url.substr(kScheme.size());

  RedisUrl out;
  // The last '@' ends the credentials, so a password may hold '@', ':' or '/'.
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) return bad("credentials must be [user]:password@");
    if (!percent_decode(userinfo.substr(0, colon), out.user) ||
        !percent_decode(userinfo.substr(colon + 1), out.password)) {
      return bad("malformed %-escape in the credentials");
    }
    if (out.password.empty()) return bad("empty password");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad("query strings and fragments are not supported");
  }

  std::string_view hostport = rest, path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }

  std::string_view port;
  bool has_port = false;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return bad("unterminated [IPv6] host");
    out.host = std::string(hostport.substr(1, close - 1));
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("unexpected text after [IPv6] host");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
    if (out.host.empty() || !valid_ipv6(out.host)) return bad("invalid IPv6 host");
  } else {
    const auto colon = hostport.find(':');
    if (colon != std::string_view::npos &&
        hostport.find(':', colon + 1) != std::string_view::npos) {
      return bad("write an IPv6 host in brackets, e.g. redis://[::1]:6379");
    }
    out.host = std::string(hostport.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) port = hostport.substr(colon + 1);
    if (out.host.empty()) return bad("missing host");
    if (!valid_host_name(out.host)) return bad("invalid character in host");
  }

  long number = 0;
  if (has_port) {
    if (!parse_decimal(port, 65535, number) || number == 0) {
      return bad("port must be a number from 1 to 65535");
    }
    out.port = static_cast<std::uint16_t>(number);
  }
  if (!path.empty()) {
    if (!parse_decimal(path, 1000000, number))
      return bad("db must be a number (redis://host:port/3)");
    out.db = static_cast<int>(number);
  }
  return out;
}

}  // namespace signalmesh::backends::redis
