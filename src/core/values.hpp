// Strict parsers of setting values (flags, environment variables, config
// files), shared by the gateway's flags and every backend's: a value is
// taken only when the whole string is valid, and `out` is left alone
// otherwise. Lists are comma-separated, spaces around each item ignored.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace signalmesh::values {

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kSizeMax = std::numeric_limits<std::size_t>::max();
constexpr std::uint64_t kIntMax = std::numeric_limits<int>::max();

// Decimal digits only (no sign, no spaces), within [min, max].
bool parse_u64(std::string_view v, std::uint64_t min, std::uint64_t max, std::uint64_t& out);
template <typename T>
bool parse_uint(std::string_view v, std::uint64_t min, std::uint64_t max, T& out) {
  std::uint64_t x = 0;
  if (!parse_u64(v, min, max, x)) return false;
  out = static_cast<T>(x);
  return true;
}
// A finite decimal number > 0 and >= min.
bool parse_positive(std::string_view v, double min, double& out);

bool has_space_or_control(std::string_view v);
std::string_view trim(std::string_view v);
// An IPv4 or IPv6 literal: what can be bound without a resolver.
bool is_ip_address(std::string_view v);
// SCHEME://ADDRESS with both parts non-empty, no spaces, no commas.
bool is_endpoint(std::string_view v);

// Empty, or comma-separated items each accepted by `ok`.
bool parse_list(std::string_view v, bool (*ok)(std::string_view), std::vector<std::string>& out);
// Empty, or comma-separated endpoints.
bool parse_endpoint_list(std::string_view v, std::vector<std::string>& out);
// Empty, or a file path without control characters.
bool parse_path(std::string_view v, std::string& out);
// Empty, or comma-separated non-empty paths.
bool parse_path_list(std::string_view v, std::vector<std::string>& out);

// As --help shows values: "" for an empty string, lists joined by commas.
std::string show_string(const std::string& s);
std::string show_double(double d);
std::string join(const std::vector<std::string>& list);
// A value as it may appear in a one-line message: quoted, control
// characters replaced, long values cut.
std::string quote(std::string_view v);

}  // namespace signalmesh::values
