#include "zmq/zmq_curve.hpp"

#include <fstream>
#include <stdexcept>

#include "core/log.hpp"

namespace signalmesh::backends::zmq {

namespace {

// The request frames of ZAP 1.0 (RFC 27), after REP strips the envelope.
enum ZapFrame { kVersion, kRequestId, kDomain, kAddress, kIdentity, kMechanism, kCredentials };
constexpr std::size_t kZapFrames = 7;

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool decode_z85(const std::string& z85, std::string& binary) {
  if (z85.size() != kZ85KeySize) return false;
  binary.assign(32, '\0');
  return zmq_z85_decode(reinterpret_cast<std::uint8_t*>(binary.data()), z85.c_str()) != nullptr;
}

}  // namespace

bool curve_available() {
  return zmq_has("curve") != 0;
}

// A Z85 key never starts with '#' (a group's first digit is at most 82 of
// 0-84, and '#' is 84), so '#' lines can only be comments.
std::string read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read key file " + path);
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string binary;
    if (!decode_z85(line, binary)) {
      throw std::invalid_argument("key file " + path + " does not hold a Z85 CURVE key (" +
                                  std::to_string(kZ85KeySize) + " characters)");
    }
    return line;
  }
  throw std::invalid_argument("key file " + path + " holds no key");
}

std::string public_key_of(const std::string& secret_key) {
  std::string binary;
  if (!decode_z85(secret_key, binary)) throw std::invalid_argument("not a Z85 CURVE secret key");
  char public_key[kZ85KeySize + 1] = {};
  if (zmq_curve_public(public_key, secret_key.c_str()) != 0) {
    throw std::invalid_argument("this libzmq has no CURVE support (built without libsodium)");
  }
  return public_key;
}

CurveKeys generate_keys() {
  char public_key[kZ85KeySize + 1] = {};
  char secret_key[kZ85KeySize + 1] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    throw std::runtime_error("this libzmq has no CURVE support (built without libsodium)");
  }
  return {secret_key, public_key};
}

ZapHandler::ZapHandler(::zmq::context_t& context, const std::set<std::string>& allowed_z85)
    : socket_(context, ::zmq::socket_type::rep), frames_(kZapFrames) {
  for (const auto& key : allowed_z85) allow(key);
  socket_.set(::zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
}

void ZapHandler::allow(const std::string& key_z85) {
  std::string binary;
  if (decode_z85(key_z85, binary)) allowed_.insert(binary);
}

void ZapHandler::attach(asio::io_context& loop) {
  watch_ = std::make_unique<SocketWatch>(loop, socket_, [this] { on_input(); });
}

void ZapHandler::detach() {
  watch_.reset();
}

// Handshakes are rare: answer every waiting request in one go.
void ZapHandler::on_input() {
  while (true) {
    const std::size_t n = receive(socket_, frames_);
    if (n == 0) break;
    const std::string_view request_id = n > kRequestId ? view(frames_[kRequestId]) : "";
    const bool curve = n == kZapFrames && view(frames_[kMechanism]) == "CURVE";
    const bool ok = curve && allowed_.count(std::string(view(frames_[kCredentials]))) != 0;
    if (ok) {
      ++admitted_;
    } else {
      ++refused_;
      SM_WARN("zmq backend: refused a connection to the PUB socket from "
              << (n > kAddress ? view(frames_[kAddress]) : "?")
              << (curve ? " (its key is not a mesh key)" : " (not CURVE)"));
    }
    send(socket_, {"1.0", request_id, ok ? "200" : "400", ok ? "OK" : "not a mesh key", "", ""});
  }
  // The replies were operations on the socket: look again (edge-triggered).
  watch_->recheck();
}

}  // namespace signalmesh::backends::zmq
