// libFuzzer target: arbitrary bytes through Validator::validate, and every
// accepted message through with_sender_id, whose output must still be one
// JSON object that the validator accepts from the sender it names.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signalmesh/protocol.hpp"

namespace {

using signalmesh::protocol::ErrorCode;
using signalmesh::protocol::ValidatedMessage;
using signalmesh::protocol::Validator;

constexpr std::string_view kSelf = "alice";
constexpr std::string_view kSender = "fuzz-sender";

void check(bool ok) {
  if (!ok) std::abort();
}

// The output of a builder is a JSON object (iterative parse: no recursion).
void check_object(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                    text.size());
  check(!doc.HasParseError() && doc.IsObject());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One validator for the whole run, as on a loop thread: exercises reuse.
  static Validator validator;
  static Validator receiver;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const ValidatedMessage& r = validator.validate(payload, kSelf);
  check(!r.detail.empty() == (r.error != ErrorCode::kNone));
  // Every error the validator causes must be sendable, ref included.
  if (r.error != ErrorCode::kNone) {
    check_object(signalmesh::protocol::make_error(r.error, r.detail, r.ref_json));
    return 0;
  }
  check(r.target != kSelf);
  if (!r.has_sender_id) {
    const std::string relayed = signalmesh::protocol::with_sender_id(payload, kSender);
    check_object(relayed);
    const ValidatedMessage& again = receiver.validate(relayed, kSender);
    // Only a target naming the sender itself can now fail.
    check(again.error == ErrorCode::kNone ||
          (again.error == ErrorCode::kInvalidMessage && r.target == kSender));
    if (again.error == ErrorCode::kNone) check(again.has_sender_id && again.type == r.type);
  }
  if (!r.ref_json.empty()) {
    check_object(signalmesh::protocol::make_error(ErrorCode::kUnknownTarget, "x", r.ref_json));
  }
  return 0;
}
