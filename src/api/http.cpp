#include "api/http.hpp"

#include "api/json_write.hpp"

namespace signalmesh::api {
namespace {

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 500;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// '+' stays a '+': no parameter of ours holds a space, and cursors are
// base64url, so form encoding has nothing to add.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

HttpResponse invalid_query(std::string message) {
  return error_response(400, "invalid-query", message);
}

}  // namespace

HttpResponse json_response(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Content-Type", "application/json");
  // Records change under the application's feet (players, versions).
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

HttpResponse no_content() {
  HttpResponse response;
  response.status = 204;
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

HttpResponse error_response(int status, std::string_view code, std::string_view message) {
  return json_response(status, error_json(code, message));
}

HttpResponse store_error(store::Status status, std::string_view message,
                         std::string_view invalid_code) {
  using store::Status;
  switch (status) {
    case Status::kNotFound:
      return error_response(404, "not-found", message);
    case Status::kConflict:
      return error_response(409, "conflict", message);
    case Status::kPreconditionFailed:
      return error_response(412, "precondition-failed", message);
    case Status::kInvalid:
      return error_response(400, invalid_code, message);
    case Status::kUnavailable: {
      HttpResponse response =
          error_response(503, "store-unavailable", "the store cannot be reached; retry later");
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case Status::kUnsupported:
      return error_response(501, "not-implemented",
                            "this server keeps no records (it runs with --store none)");
    case Status::kOk:
      break;
  }
  // A store that failed with kOk: a bug, not the client's fault.
  return error_response(500, "internal-error", "unexpected store answer");
}

std::optional<HttpResponse> parse_query(std::string_view query,
                                        const std::vector<std::string_view>& allowed, Query& out) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return invalid_query("query parameter '" + std::string(pair) + "' has no value");
    }
    const auto name = percent_decode(pair.substr(0, eq));
    const auto value = percent_decode(pair.substr(eq + 1));
    if (!name || !value) return invalid_query("bad percent escape in the query");
    bool known = false;
    for (std::string_view a : allowed) known = known || a == *name;
    if (!known) return invalid_query("unknown query parameter '" + *name + "'");
    if (value->empty()) return invalid_query("query parameter '" + *name + "' is empty");
    if (!out.emplace(*name, *value).second) {
      return invalid_query("query parameter '" + *name + "' is given twice");
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<HttpResponse> read_integer(const Query& query, std::string_view name,
                                         std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  const auto value = parse_decimal(it->second, max);
  if (!value || *value < min) {
    return invalid_query(std::string(name) + " must be an integer from " + std::to_string(min) +
                         " to " + std::to_string(max));
  }
  out = *value;
  return std::nullopt;
}

std::optional<HttpResponse> read_page(const Query& query, store::PageRequest& page) {
  std::uint64_t limit = kDefaultLimit;
  if (auto problem = read_integer(query, "limit", 1, kMaxLimit, limit)) return problem;
  page.limit = static_cast<std::size_t>(limit);
  const auto cursor = query.find("cursor");
  page.cursor = cursor == query.end() ? std::string{} : cursor->second;
  return std::nullopt;
}

}  // namespace signalmesh::api
