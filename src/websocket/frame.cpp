#include "websocket/frame.hpp"

namespace signalmesh {
namespace {

// RFC 6455 §5.2 header of an unmasked, final text frame.
std::string text_frame_header(std::size_t size) {
  std::string header;
  header.push_back(static_cast<char>(0x81));
  if (size < 126) {
    header.push_back(static_cast<char>(size));
  } else if (size <= 0xFFFF) {
    header.push_back(static_cast<char>(126));
    header.push_back(static_cast<char>((size >> 8) & 0xFF));
    header.push_back(static_cast<char>(size & 0xFF));
  } else {
    header.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      header.push_back(static_cast<char>((static_cast<std::uint64_t>(size) >> shift) & 0xFF));
    }
  }
  return header;
}

}  // namespace

MessagePtr make_text_frame(std::string payload) {
  auto message = std::make_shared<WsConfig::message_type>(WsConfig::message_type::con_msg_man_ptr(),
                                                          websocketpp::frame::opcode::text, 0);
  message->set_header(text_frame_header(payload.size()));
  message->get_raw_payload() = std::move(payload);
  message->set_prepared(true);
  return message;
}

void prepare_in_place(const MessagePtr& message) {
  if (message->get_prepared()) return;
  message->set_header(text_frame_header(message->get_payload().size()));
  message->set_prepared(true);
}

}  // namespace signalmesh
