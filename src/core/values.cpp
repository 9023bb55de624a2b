#include "core/values.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <system_error>
#include <utility>

namespace signalmesh::values {

bool parse_u64(std::string_view v, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  if (v.empty() || v.front() < '0' || v.front() > '9') return false;
  std::uint64_t x = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || ptr != v.data() + v.size() || x < min || x > max) return false;
  out = x;
  return true;
}

bool parse_positive(std::string_view v, double min, double& out) {
  if (v.empty() || !((v.front() >= '0' && v.front() <= '9') || v.front() == '.')) return false;
  double x = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(x)) return false;
  if (x <= 0 || x < min) return false;
  out = x;
  return true;
}

bool has_space_or_control(std::string_view v) {
  return std::any_of(v.begin(), v.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool is_ip_address(std::string_view v) {
  if (v.empty() || v.size() >= INET6_ADDRSTRLEN) return false;
  const std::string s(v);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool is_endpoint(std::string_view v) {
  const auto sep = v.find("://");
  return sep != std::string_view::npos && sep > 0 && sep + 3 < v.size() &&
         !has_space_or_control(v) && v.find(',') == std::string_view::npos;
}

bool parse_list(std::string_view v, bool (*ok)(std::string_view), std::vector<std::string>& out) {
  std::vector<std::string> list;
  if (!trim(v).empty()) {
    while (true) {
      const auto comma = v.find(',');
      const auto item = trim(v.substr(0, comma));
      if (item.empty() || !ok(item)) return false;
      list.emplace_back(item);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  out = std::move(list);
  return true;
}

bool parse_endpoint_list(std::string_view v, std::vector<std::string>& out) {
  return parse_list(v, is_endpoint, out);
}

namespace {

bool is_path(std::string_view v) {
  return std::none_of(v.begin(), v.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

bool parse_path(std::string_view v, std::string& out) {
  if (!is_path(v)) return false;
  out = std::string(v);
  return true;
}

bool parse_path_list(std::string_view v, std::vector<std::string>& out) {
  return parse_list(v, is_path, out);
}

std::string show_string(const std::string& s) {
  return s.empty() ? "\"\"" : s;
}

std::string show_double(double d) {
  std::ostringstream out;
  out << d;
  return out.str();
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::string quote(std::string_view v) {
  constexpr std::size_t kMax = 80;
  std::string out = "'";
  for (std::size_t i = 0; i < v.size() && i < kMax; ++i) {
    const auto u = static_cast<unsigned char>(v[i]);
    out += (u < 0x20 || u == 0x7f) ? '?' : v[i];
  }
  if (v.size() > kMax) out += "...";
  return out + "'";
}

}  // namespace signalmesh::values
