// Server-to-client text frames prepared once and queued to any number of
// connections: server frames are unmasked, so the same bytes serve every
// recipient and websocketpp sends a prepared message without copying it.
#pragma once

#include <string>

#include "websocket/ws_config.hpp"

namespace signalmesh {

// Wraps `payload` (moved, not copied) in a prepared text frame.
MessagePtr make_text_frame(std::string payload);

// Turns a received text message into a prepared frame in place, so its
// payload is relayed without a copy.
void prepare_in_place(const MessagePtr& message);

}  // namespace signalmesh
