#include "auth/origin.hpp"

#include <strings.h>

namespace signalmesh::auth {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool matches(std::string_view origin, std::string_view entry) {
  const auto star = entry.find("://*.");
  if (star == std::string_view::npos) return iequal(origin, entry);
  const auto scheme = entry.substr(0, star + 3);  // "https://"
  const auto suffix = entry.substr(star + 4);     // ".example.com[:port]"
  if (origin.size() <= scheme.size() + suffix.size()) return false;
  if (!iequal(origin.substr(0, scheme.size()), scheme)) return false;
  if (!iequal(origin.substr(origin.size() - suffix.size()), suffix)) return false;
  // The labels the star stands for: non-empty, no port or path sneaking in.
  const auto labels = origin.substr(scheme.size(), origin.size() - scheme.size() - suffix.size());
  for (char c : labels) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return labels.front() != '.' && labels.back() != '.';
}

}  // namespace

bool origin_allowed(std::string_view origin, bool has_origin,
                    const std::vector<std::string>& allowed) {
  if (allowed.empty() || !has_origin) return true;
  for (const auto& entry : allowed) {
    if (matches(origin, entry)) return true;
  }
  return false;
}

bool is_origin_pattern(std::string_view entry) {
  const auto sep = entry.find("://");
  if (sep == std::string_view::npos || sep == 0 || sep + 3 >= entry.size()) return false;
  const auto host = entry.substr(sep + 3);
  if (host.find('/') != std::string_view::npos || host.find(' ') != std::string_view::npos) {
    return false;
  }
  const auto star = host.find('*');
  return star == std::string_view::npos || (star == 0 && host.size() > 2 && host[1] == '.' &&
                                            host.find('*', 1) == std::string_view::npos);
}

}  // namespace signalmesh::auth
