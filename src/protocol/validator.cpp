// The §2 checks of protocol.md that need no room state. One Validator per
// loop thread: it owns the parse memory and reuses it for every message, so
// a message that fits the fixed pools is validated without touching the heap.
//
// Speed matters for SDP (4-8 KB, mostly one string): every pass over the
// bytes is word- or SIMD-wide, and the parse runs in place on a padded copy
// so that strings are neither pushed byte by byte nor copied into the DOM.
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
// RapidJSON's SIMD string scan and whitespace skip; they read 16-byte aligned
// blocks, which stay inside `Impl::text` (padded below). Only this file
// parses with it, with a reader type (pool stack allocator) of its own.
#define RAPIDJSON_SSE2
#endif
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "protocol/prescan.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh::protocol {
namespace {

using Pool = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;
using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, Pool, Pool>;
using Value = Document::ValueType;

// Iterative: the recursive parser can overflow the C stack. Never
// kParseFullPrecisionFlag: RapidJSON 1.1.0 crashes with it under fuzzing.
// No kParseValidateEncodingFlag: prescan() (check_bytes) checked the whole payload first,
// and the flag would turn off RapidJSON's SIMD string scan.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag;

// Sized for a typical SDP (a few KiB, its DOM about twice that). Larger
// messages spill into heap chunks that Clear() gives back on the next call.
constexpr std::size_t kValuePoolBytes = 64 * 1024;
constexpr std::size_t kStackPoolBytes = 16 * 1024;
// The copy parsed in place ends in a NUL and then zeros up to this many
// bytes, so an aligned 16-byte load that holds the NUL stays in the buffer.
constexpr std::size_t kTextPadding = 16;
constexpr std::size_t kTextReserve = 16 * 1024;

constexpr std::size_t kMaxReasonCodePoints = 256;
// RTCIceCandidateInit.sdpMLineIndex is a WebIDL unsigned short.
constexpr double kMaxSdpMLineIndex = 65535;

std::string_view view(const Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// The named fields of one object, found in a single pass. A duplicated
// named field is refused by the caller: we check the first occurrence but
// a browser's JSON.parse keeps the last, so a duplicate senderId (say)
// would let a client impersonate another member.
struct Slot {
  const Value* value = nullptr;
  bool duplicate = false;
};

template <std::size_t N>
std::array<Slot, N> collect(const Value& object, const std::array<std::string_view, N>& names) {
  std::array<Slot, N> slots{};
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
    const std::string_view key = view(m->name);
    for (std::size_t i = 0; i < N; ++i) {
      if (key != names[i]) continue;
      if (slots[i].value != nullptr) {
        slots[i].duplicate = true;
      } else {
        slots[i].value = &m->value;
      }
      break;
    }
  }
  return slots;
}

enum Top {
  kType,
  kSenderId,
  kTargetId,
  kHostId,
  kId,
  kSdp,
  kCandidate,
  kReason,
  kStatus,
  kTick,
  kHash,
  kTopCount
};
constexpr std::array<std::string_view, kTopCount> kTopNames = {
    "type",      "senderId", "targetId", "hostId", "id",  "sdp",
    "candidate", "reason",   "status",   "tick",   "hash"};

enum SdpField { kSdpType, kSdpText, kSdpCount };
constexpr std::array<std::string_view, kSdpCount> kSdpNames = {"type", "sdp"};

enum IceField { kIceCandidate, kIceMid, kIceMLineIndex, kIceUfrag, kIceCount };
constexpr std::array<std::string_view, kIceCount> kIceNames = {"candidate", "sdpMid",
                                                               "sdpMLineIndex", "usernameFragment"};

bool is_string_or_null(const Value& v) {
  return v.IsString() || v.IsNull();
}

bool is_valid_mline_index(const Value& v) {
  if (v.IsNull()) return true;
  if (!v.IsNumber()) return false;
  // JSON has one number type: 1.0 is the integer 1 (JavaScript cannot tell
  // them apart), 1.5 and negatives are not indexes.
  const double d = v.GetDouble();
  return d >= 0 && d <= kMaxSdpMLineIndex && std::floor(d) == d;
}

// True when the UTF-8 text has more than `limit` code points.
bool longer_than(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return false;
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && ++count > limit) return true;
  }
  return false;
}

// Static texts naming the problems of a targetId or hostId.
struct TargetTexts {
  const char* required;
  const char* duplicate;
  const char* not_string;
  const char* empty;
  const char* self;
};
constexpr TargetTexts kTargetIdTexts = {"targetId is required", "targetId appears more than once",
                                        "targetId must be a string", "targetId must not be empty",
                                        "targetId must not be the sender's own peerId"};
constexpr TargetTexts kHostIdTexts = {"hostId is required", "hostId appears more than once",
                                      "hostId must be a string", "hostId must not be empty",
                                      "hostId must not be the sender's own peerId"};

}  // namespace

struct Validator::Impl {
  explicit Impl(std::size_t depth) : max_depth(depth) {}

  const ValidatedMessage& fail(ErrorCode code, const char* why) {
    result.error = code;
    result.detail = why;
    result.target = {};
    return result;
  }

  // Re-serializes the client's `id` into ref_buffer for result.ref_json.
  void set_ref(const Value& id);
  // Checks an optional or required targetId/hostId; stores it in
  // result.target. Returns the problem, or nullptr.
  const char* check_target(const Slot& slot, bool required, const TargetTexts& texts,
                           std::string_view self);
  const char* check_sdp(const std::array<Slot, kTopCount>& top, std::string_view self);
  const char* check_ice(const std::array<Slot, kTopCount>& top, std::string_view self);
  const char* check_kick(const std::array<Slot, kTopCount>& top, std::string_view self);
  const char* check_room_status(const std::array<Slot, kTopCount>& top);
  const char* check_state_hash(const std::array<Slot, kTopCount>& top);

  // Copies payload into `text`, NUL-terminated and padded; returns its start.
  char* copy_for_parse(std::string_view payload);

  std::size_t max_depth;
  std::vector<char> text;  // the payload parsed in place; strings point into it
  alignas(16) char value_buffer[kValuePoolBytes];
  alignas(16) char stack_buffer[kStackPoolBytes];
  Pool values{value_buffer, sizeof value_buffer};
  Pool stacks{stack_buffer, sizeof stack_buffer};
  Document doc{&values, 1024, &stacks};
  rapidjson::StringBuffer ref_buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{ref_buffer};
  ValidatedMessage result;
};

char* Validator::Impl::copy_for_parse(std::string_view payload) {
  // resize() value-initializes only growth; the padding is rewritten below.
  if (text.size() < payload.size() + kTextPadding) text.resize(payload.size() + kTextPadding);
  std::memcpy(text.data(), payload.data(), payload.size());
  std::memset(text.data() + payload.size(), 0, kTextPadding);
  return text.data();
}

void Validator::Impl::set_ref(const Value& id) {
  ref_buffer.Clear();
  if (id.IsNumber()) {
    writer.Reset(ref_buffer);
    id.Accept(writer);
  } else {
    // Not Writer::String: a lone "\udc00" escape decodes to the bytes of a
    // surrogate, which Writer would copy out as invalid UTF-8. Write it
    // back as the escape the client sent instead.
    const std::string_view text = view(id);
    static constexpr char kHex[] = "0123456789abcdef";
    const auto put_escape = [this](unsigned code) {
      ref_buffer.Put('\\');
      ref_buffer.Put('u');
      for (int shift = 12; shift >= 0; shift -= 4) ref_buffer.Put(kHex[(code >> shift) & 0xF]);
    };
    ref_buffer.Put('"');
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '"' || c == '\\') {
        ref_buffer.Put('\\');
        ref_buffer.Put(static_cast<char>(c));
      } else if (c < 0x20) {
        put_escape(c);
      } else if (c == 0xED && i + 2 < text.size() &&
                 static_cast<unsigned char>(text[i + 1]) >= 0xA0) {
        put_escape(0xD000u | ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 6) |
                   (static_cast<unsigned char>(text[i + 2]) & 0x3Fu));
        i += 2;
      } else {
        ref_buffer.Put(static_cast<char>(c));
      }
    }
    ref_buffer.Put('"');
  }
  result.ref_json = {ref_buffer.GetString(), ref_buffer.GetSize()};
}

const char* Validator::Impl::check_target(const Slot& slot, bool required, const TargetTexts& texts,
                                          std::string_view self) {
  if (slot.value == nullptr) return required ? texts.required : nullptr;
  if (slot.duplicate) return texts.duplicate;
  if (!slot.value->IsString()) return texts.not_string;
  const std::string_view target = view(*slot.value);
  // An empty target would read as "absent" (a broadcast) in `target`.
  if (target.empty()) return texts.empty;
  if (target == self) return texts.self;
  // Any other string, even one that is not a valid id, is the room's to
  // refuse as unknown-target.
  result.target = target;
  return nullptr;
}

const char* Validator::Impl::check_sdp(const std::array<Slot, kTopCount>& top,
                                       std::string_view self) {
  if (const char* problem = check_target(top[kTargetId], false, kTargetIdTexts, self)) {
    return problem;
  }
  const Slot& sdp = top[kSdp];
  if (sdp.value == nullptr) return "sdp is required";
  if (sdp.duplicate) return "sdp appears more than once";
  if (!sdp.value->IsObject()) return "sdp must be an object";
  const auto fields = collect(*sdp.value, kSdpNames);
  const Slot& type = fields[kSdpType];
  if (type.value == nullptr) return "sdp.type is required";
  if (type.duplicate) return "sdp.type appears more than once";
  if (!type.value->IsString()) return "sdp.type must be a string";
  const std::string_view kind = view(*type.value);
  const bool rollback = kind == "rollback";
  if (!rollback && kind != "offer" && kind != "answer" && kind != "pranswer") {
    return "sdp.type must be offer, answer, pranswer or rollback";
  }
  const Slot& text = fields[kSdpText];
  if (text.value == nullptr) return rollback ? nullptr : "sdp.sdp is required";
  if (text.duplicate) return "sdp.sdp appears more than once";
  if (!text.value->IsString()) return "sdp.sdp must be a string";
  if (!rollback && text.value->GetStringLength() == 0) return "sdp.sdp must not be empty";
  return nullptr;
}

const char* Validator::Impl::check_ice(const std::array<Slot, kTopCount>& top,
                                       std::string_view self) {
  if (const char* problem = check_target(top[kTargetId], false, kTargetIdTexts, self)) {
    return problem;
  }
  const Slot& candidate = top[kCandidate];
  if (candidate.value == nullptr) return "candidate is required";
  if (candidate.duplicate) return "candidate appears more than once";
  if (!candidate.value->IsObject()) return "candidate must be an object";
  const auto fields = collect(*candidate.value, kIceNames);
  for (const Slot& field : fields) {
    if (field.duplicate) return "a candidate field appears more than once";
  }
  const Value* text = fields[kIceCandidate].value;
  if (text == nullptr) return "candidate.candidate is required";
  if (!text->IsString()) return "candidate.candidate must be a string";
  const Value* mid = fields[kIceMid].value;
  if (mid != nullptr && !is_string_or_null(*mid))
    return "candidate.sdpMid must be a string or null";
  const Value* index = fields[kIceMLineIndex].value;
  if (index != nullptr && !is_valid_mline_index(*index)) {
    return "candidate.sdpMLineIndex must be an integer from 0 to 65535, or null";
  }
  const Value* ufrag = fields[kIceUfrag].value;
  if (ufrag != nullptr && !is_string_or_null(*ufrag)) {
    return "candidate.usernameFragment must be a string or null";
  }
  return nullptr;
}

const char* Validator::Impl::check_kick(const std::array<Slot, kTopCount>& top,
                                        std::string_view self) {
  if (const char* problem = check_target(top[kTargetId], true, kTargetIdTexts, self)) {
    return problem;
  }
  const Slot& reason = top[kReason];
  if (reason.value == nullptr) return nullptr;
  if (reason.duplicate) return "reason appears more than once";
  if (!reason.value->IsString()) return "reason must be a string";
  if (longer_than(view(*reason.value), kMaxReasonCodePoints)) {
    return "reason must be at most 256 characters";
  }
  return nullptr;
}

// Version 1.1: whether the status may be set is the room's check (host
// only, forward only); here only its spelling.
const char* Validator::Impl::check_room_status(const std::array<Slot, kTopCount>& top) {
  const Slot& status = top[kStatus];
  if (status.value == nullptr) return "status is required";
  if (status.duplicate) return "status appears more than once";
  if (!status.value->IsString()) return "status must be a string";
  const std::string_view name = view(*status.value);
  if (name != "waiting" && name != "playing" && name != "finished") {
    return "status must be waiting, playing or finished";
  }
  result.status = name;
  return nullptr;
}

const char* Validator::Impl::check_state_hash(const std::array<Slot, kTopCount>& top) {
  const Slot& tick = top[kTick];
  if (tick.value == nullptr) return "tick is required";
  if (tick.duplicate) return "tick appears more than once";
  // JSON has one number type: 7.0 is the tick 7, as in JavaScript.
  const Value& t = *tick.value;
  bool whole = false;
  if (t.IsUint64()) {
    whole = t.GetUint64() <= kMaxTick;
    result.tick = t.GetUint64();
  } else if (t.IsDouble()) {
    const double d = t.GetDouble();
    whole = d >= 0 && d <= static_cast<double>(kMaxTick) && std::floor(d) == d;
    if (whole) result.tick = static_cast<std::uint64_t>(d);
  }
  if (!t.IsNumber() || !whole) return "tick must be an integer from 0 to 2^53-1";
  const Slot& hash = top[kHash];
  if (hash.value == nullptr) return "hash is required";
  if (hash.duplicate) return "hash appears more than once";
  if (!hash.value->IsString()) return "hash must be a string";
  if (!is_valid_state_hash(view(*hash.value))) {
    return "hash must be 1 to 128 characters of [A-Za-z0-9+/=_:-]";
  }
  result.hash = view(*hash.value);
  return nullptr;
}

Validator::Validator(std::size_t max_depth) : impl_(std::make_unique<Impl>(max_depth)) {
  impl_->text.reserve(kTextReserve);
}

Validator::~Validator() = default;

const ValidatedMessage& Validator::validate(std::string_view payload,
                                            std::string_view self_peer_id) {
  Impl& s = *impl_;
  s.result = ValidatedMessage{};
  // The previous DOM lives in the pools: forget it before recycling them.
  s.doc.SetNull();
  s.values.Clear();
  s.stacks.Clear();

  if (const char* problem = prescan(payload, s.max_depth)) {
    return s.fail(ErrorCode::kInvalidJson, problem);
  }
  s.doc.ParseInsitu<kParseFlags>(s.copy_for_parse(payload));
  if (s.doc.HasParseError()) {
    return s.fail(ErrorCode::kInvalidJson, rapidjson::GetParseError_En(s.doc.GetParseError()));
  }
  if (!s.doc.IsObject()) return s.fail(ErrorCode::kInvalidJson, "payload is not a JSON object");

  const auto top = collect(s.doc, kTopNames);
  // The id is echoed by every error that follows, whichever check fails.
  const Slot& id = top[kId];
  const bool id_ok =
      id.value == nullptr || (!id.duplicate && (id.value->IsString() || id.value->IsNumber()));
  if (id.value != nullptr && id_ok) s.set_ref(*id.value);

  const Slot& type = top[kType];
  if (type.value == nullptr) return s.fail(ErrorCode::kInvalidMessage, "type is required");
  if (type.duplicate) return s.fail(ErrorCode::kInvalidMessage, "type appears more than once");
  if (!type.value->IsString()) return s.fail(ErrorCode::kInvalidMessage, "type must be a string");
  const std::string_view name = view(*type.value);
  if (name == "sdp") {
    s.result.type = MessageType::kSdp;
  } else if (name == "ice") {
    s.result.type = MessageType::kIce;
  } else if (name == "host-change") {
    s.result.type = MessageType::kHostChange;
  } else if (name == "kick") {
    s.result.type = MessageType::kKick;
  } else if (name == "room-status") {
    s.result.type = MessageType::kRoomStatus;
  } else if (name == "state-hash") {
    s.result.type = MessageType::kStateHash;
  } else {
    return s.fail(ErrorCode::kUnknownType,
                  "type must be sdp, ice, host-change, kick, room-status or state-hash");
  }

  if (!id_ok) return s.fail(ErrorCode::kInvalidMessage, "id must be a string or a number");
  const Slot& sender = top[kSenderId];
  if (sender.duplicate)
    return s.fail(ErrorCode::kInvalidMessage, "senderId appears more than once");
  if (sender.value != nullptr && !sender.value->IsString()) {
    return s.fail(ErrorCode::kInvalidMessage, "senderId must be a string");
  }

  const char* problem = nullptr;
  switch (s.result.type) {
    case MessageType::kSdp:
      problem = s.check_sdp(top, self_peer_id);
      break;
    case MessageType::kIce:
      problem = s.check_ice(top, self_peer_id);
      break;
    case MessageType::kHostChange:
      problem = s.check_target(top[kHostId], true, kHostIdTexts, self_peer_id);
      break;
    case MessageType::kKick:
      problem = s.check_kick(top, self_peer_id);
      break;
    case MessageType::kRoomStatus:
      problem = s.check_room_status(top);
      break;
    case MessageType::kStateHash:
      problem = s.check_state_hash(top);
      break;
  }
  if (problem != nullptr) return s.fail(ErrorCode::kInvalidMessage, problem);

  if (sender.value != nullptr) {
    if (view(*sender.value) != self_peer_id) {
      return s.fail(ErrorCode::kSenderMismatch, "senderId is not this connection's peerId");
    }
    s.result.has_sender_id = true;
  }
  return s.result;
}

}  // namespace signalmesh::protocol
