// Reading request bodies: the media type, the size, the JSON itself (a
// depth cap, then RapidJSON's iterative parser), the set of fields, and the
// field rules of app-integration.md §1. Every refusal names the field.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/data_api.hpp"

namespace signalmesh::api {

// Nesting deeper than this is refused before parsing: the DOM is freed
// recursively, and no record needs more.
constexpr std::size_t kMaxDepth = 32;
constexpr std::size_t kMaxMetadataBytes = 16 * 1024;

// Parses the body of a POST or PATCH into `doc`: 413 over `max_bytes`, 415
// for a media type other than application/json, 400 invalid-json for what
// is not one JSON object. An empty body reads as {}.
std::optional<HttpResponse> parse_body(const HttpRequest& request, std::size_t max_bytes,
                                       rapidjson::Document& doc);

HttpResponse invalid_field(std::string_view field, std::string_view problem);
// 400 invalid-field for a member of `object` not in `allowed`, or repeated
// (we would read the first, a JavaScript client's JSON.parse the last).
std::optional<HttpResponse> check_fields(const rapidjson::Value& object,
                                         const std::vector<std::string_view>& allowed);
// The member, or nullptr when absent.
const rapidjson::Value* find_field(const rapidjson::Value& object, std::string_view name);

// 1-64 of [A-Za-z0-9_-]: uid, roomId, peerId.
bool is_valid_id(std::string_view id);
std::optional<HttpResponse> read_id(const rapidjson::Value& value, std::string_view field,
                                    std::string& out);
std::optional<HttpResponse> read_handle(const rapidjson::Value& value, std::string& out);
std::optional<HttpResponse> read_email(const rapidjson::Value& value, std::string& out);
// A JSON object of at most kMaxMetadataBytes as compact text, without
// duplicate keys at any level (its re-emitted text must mean one thing).
std::optional<HttpResponse> read_metadata(const rapidjson::Value& value, std::string& out);
std::optional<HttpResponse> read_max_members(const rapidjson::Value& value, std::uint32_t cap,
                                             std::uint32_t& out);

}  // namespace signalmesh::api
