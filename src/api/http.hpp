// HTTP building blocks of the data API: the answers (JSON, errors, the
// mapping of store statuses) and the query string.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/data_api.hpp"
#include "store/common/records.hpp"

namespace signalmesh::api {

using Respond = std::function<void(HttpResponse)>;

// The largest tick (2^53 - 1: a JSON number keeps it exactly).
using store::kMaxTick;

HttpResponse json_response(int status, std::string body);
HttpResponse no_content();
// {"error":{"code":...,"message":...}} with `status`.
HttpResponse error_response(int status, std::string_view code, std::string_view message);
// The answer for a failed store call. `message` is used for the statuses
// the caller expects (not found, conflict, precondition, invalid) so that
// every pod says the same thing whatever store it runs; kInvalid becomes
// `invalid_code`. Unavailable and unsupported have fixed messages.
HttpResponse store_error(store::Status status, std::string_view message,
                         std::string_view invalid_code = "invalid-field");

// A parsed query string: each parameter once, percent-decoded.
using Query = std::map<std::string, std::string, std::less<>>;
// Refuses (400 invalid-query) a parameter not in `allowed`, a repeated or
// empty one, one without '=', and a bad percent escape.
std::optional<HttpResponse> parse_query(std::string_view query,
                                        const std::vector<std::string_view>& allowed, Query& out);
// A decimal integer without sign, 0..max; nullopt otherwise.
std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max);
// `limit` (1..500, default 100) and `cursor` of a listing.
std::optional<HttpResponse> read_page(const Query& query, store::PageRequest& page);
// An optional integer parameter in min..max; `out` keeps its value when absent.
std::optional<HttpResponse> read_integer(const Query& query, std::string_view name,
                                         std::uint64_t min, std::uint64_t max, std::uint64_t& out);

}  // namespace signalmesh::api
