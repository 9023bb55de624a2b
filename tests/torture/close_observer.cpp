#include "torture/close_observer.hpp"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>

#include "support/json.hpp"

namespace signalmesh::test {

namespace {

using Clock = std::chrono::steady_clock;

// The pause between two writes of a BackgroundWriter: short enough that
// frames are still arriving while the server closes (a close takes well under
// a millisecond on loopback), long enough not to flood two cores.
constexpr auto kWriterPause = std::chrono::microseconds(300);

Ms left_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now());
  return left < Ms(0) ? Ms(0) : left;
}

// Reads what follows our answer to the close: nothing but the server's FIN.
void read_to_end(RawWsClient& client, Ms timeout, CloseObservation& seen) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::optional<Frame> frame = client.next_frame(left_until(deadline));
    if (frame) {
      if (frame->opcode <= 2) ++seen.data_after_close;
      continue;
    }
    switch (client.last_read_end()) {
      case RawWsClient::ReadEnd::kEof:
        seen.reset_after_fin = client.reset_follows(reset_grace());
        return;
      case RawWsClient::ReadEnd::kTimeout:
        seen.no_eof_after_close = true;
        return;
      default:  // ECONNRESET, or another error that ends the stream as badly
        seen.reset_after_close = true;
        return;
    }
  }
}

// Reads up to the close frame; false (with the reason noted) when the stream
// ended or the time ran out first.
bool read_to_close(RawWsClient& client, Ms timeout, CloseObservation& seen) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::optional<Frame> frame = client.next_frame(left_until(deadline));
    if (!frame) {
      switch (client.last_read_end()) {
        case RawWsClient::ReadEnd::kEof:
          seen.eof_before_close = true;
          break;
        case RawWsClient::ReadEnd::kTimeout:
          seen.timed_out = true;
          break;
        default:
          seen.reset_before_close = true;
          break;
      }
      return false;
    }
    if (frame->opcode == 8) {
      seen.close_code = frame->close_code();
      return true;
    }
    if (frame->opcode <= 2) seen.messages.push_back(std::move(frame->payload));
  }
}

std::string close_payload(int code) {
  if (code == 1005) return "";  // "no code" is never sent on the wire
  return {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
}

}  // namespace

FrameBatch& FrameBatch::frame(int opcode, std::string_view payload) {
  // A cheap generator: masks only have to be unpredictable to proxies.
  thread_local std::mt19937 rng{std::random_device{}()};
  bytes_ += static_cast<char>(0x80 | (opcode & 0x0f));
  const std::size_t n = payload.size();
  if (n < 126) {
    bytes_ += static_cast<char>(0x80 | n);
  } else if (n <= 0xffff) {
    bytes_ += static_cast<char>(0x80 | 126);
    bytes_ += static_cast<char>(n >> 8);
    bytes_ += static_cast<char>(n & 0xff);
  } else {
    bytes_ += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) bytes_ += static_cast<char>((n >> shift) & 0xff);
  }
  const std::uint32_t mask_word = rng();
  char mask[4];
  std::memcpy(mask, &mask_word, sizeof mask);
  bytes_.append(mask, sizeof mask);
  const std::size_t start = bytes_.size();
  bytes_.append(payload.data(), n);
  for (std::size_t i = 0; i < n; ++i) bytes_[start + i] ^= mask[i % 4];
  return *this;
}

FrameBatch& FrameBatch::texts(std::string_view payload, int count) {
  for (int i = 0; i < count; ++i) text(payload);
  return *this;
}

BackgroundWriter::BackgroundWriter(RawWsClient& client, std::string batch)
    : client_(client), batch_(std::move(batch)) {
  thread_ = std::thread([this] {
    while (!stopping_.load()) {
      if (!client_.send_raw(batch_)) return;      // reset or closed: nothing more to write
      std::this_thread::sleep_for(kWriterPause);  // pacing, not waiting for an event
    }
  });
}

void BackgroundWriter::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

CloseObservation observe_close(RawWsClient& client, BackgroundWriter* writer, Ms timeout) {
  CloseObservation seen;
  const bool closed = read_to_close(client, timeout, seen);
  // Our close frame must not land in the middle of one of the writer's.
  if (writer != nullptr) writer->stop();
  if (!closed) return seen;
  client.send_frame(8, close_payload(*seen.close_code));  // a failure shows in the read
  read_to_end(client, timeout, seen);
  // As a browser does once the server ended the stream: a server that
  // lingers until the client's end (RFC 6455 §7.1.1) is released now.
  client.close_socket();
  return seen;
}

CloseObservation close_cleanly(RawWsClient& client, Ms timeout) {
  CloseObservation seen;
  client.send_frame(8, close_payload(1000));
  if (read_to_close(client, timeout, seen)) read_to_end(client, timeout, seen);
  client.close_socket();
  return seen;
}

std::string join(RawWsClient& client, const std::string& base_url, const std::string& path,
                 bool expect_welcome, int receive_buffer) {
  RawWsClient::UpgradeOptions options;
  options.receive_buffer = receive_buffer;
  const HttpResponse response = client.upgrade(base_url, path, options);
  if (response.status != 101) return "upgrade answered HTTP " + std::to_string(response.status);
  if (!expect_welcome) return "";
  std::optional<Frame> first = client.next_frame();
  if (!first) return "no welcome (the stream ended or timed out)";
  if (first->opcode != 1) return "first frame has opcode " + std::to_string(first->opcode);
  const std::string what = describe(first->payload);
  return what == "welcome" ? "" : "first message is " + what + ", not welcome";
}

std::string describe(const std::string& message) {
  std::optional<Json> json = Json::parse(message);
  if (!json || !json->is_object()) return "'" + message.substr(0, 40) + "'";
  if (json->type() == "error") return "error/" + json->str("code");
  return json->type();
}

}  // namespace signalmesh::test
