// A faster payload step for the gateway's websocketpp processor.
//
// hybi13::process_payload_bytes unmasks a client's frame one byte at a time
// (websocketpp marks it "TODO: SIMD masking"); after the UTF-8 check
// (ws_utf8.hpp) that was the largest user-space cost of relaying an SDP.
// This explicit specialization, for our WsConfig only, does the same steps
// (unmask, decompress or append, UTF-8 check of text, count) but unmasks
// eight bytes at a time. It relies on websocketpp 0.8's processor members,
// hence the version check: on another version, compare it with
// hybi13::process_payload_bytes before raising the bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <websocketpp/frame.hpp>
#include <websocketpp/processors/hybi13.hpp>
#include <websocketpp/version.hpp>

namespace signalmesh {

static_assert(websocketpp::major_version == 0 && websocketpp::minor_version == 8,
              "ws_payload.hpp specializes websocketpp 0.8's hybi13 processor");
static_assert(sizeof(std::size_t) == 8, "the prepared masking key is eight bytes");

// XORs `data` with the client's masking key, as websocketpp's prepared key
// (the 4-byte key twice, rotated to the frame position) describes it, and
// returns the key rotated past `length` bytes, as byte_mask_circ does.
inline std::size_t unmask_in_place(std::uint8_t* data, std::size_t length,
                                   std::size_t prepared_key) {
  const std::uint64_t key = prepared_key;
  std::size_t i = 0;
  // Eight is a whole number of 4-byte key periods: every word sees the key
  // from its start.
  for (; i + 8 <= length; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, sizeof word);
    word ^= key;
    std::memcpy(data + i, &word, sizeof word);
  }
  std::uint8_t key_bytes[8];
  std::memcpy(key_bytes, &key, sizeof key_bytes);
  for (std::size_t k = 0; i < length; ++i, ++k) data[i] ^= key_bytes[k];
  return websocketpp::frame::circshift_prepared_key(prepared_key, length % 4);
}

}  // namespace signalmesh

namespace websocketpp {
namespace processor {

template <>
inline size_t hybi13<signalmesh::WsConfig>::process_payload_bytes(uint8_t* buf, size_t len,
                                                                  lib::error_code& ec) {
  if (frame::get_masked(m_basic_header)) {
    m_current_msg->prepared_key =
        signalmesh::unmask_in_place(buf, len, m_current_msg->prepared_key);
  }
  std::string& out = m_current_msg->msg_ptr->get_raw_payload();
  const size_t offset = out.size();
  if (m_permessage_deflate.is_enabled() && m_current_msg->msg_ptr->get_compressed()) {
    ec = m_permessage_deflate.decompress(buf, len, out);
    if (ec) return 0;
  } else {
    out.append(reinterpret_cast<char*>(buf), len);
  }
  if (m_current_msg->msg_ptr->get_opcode() == frame::opcode::TEXT &&
      !m_current_msg->validator.decode(out.begin() + static_cast<std::ptrdiff_t>(offset),
                                       out.end())) {
    ec = make_error_code(error::invalid_utf8);
    return 0;
  }
  m_bytes_needed -= len;
  return len;
}

}  // namespace processor
}  // namespace websocketpp
