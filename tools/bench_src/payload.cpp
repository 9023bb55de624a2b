#include "payload.hpp"

#include <cstring>

namespace sm_bench {
namespace {

constexpr std::string_view kBxKey = "\"bx\":\"";

// A Chrome-like audio + video + data channel offer, ~4.5 KB once escaped.
constexpr const char* kSdp[] = {
    "v=0",
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1 2",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS 3bd1f4a2-2c4f",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:4ZcD",
    "a=ice-pwd:2/1muCWoOi3uLifh0NuRHlgm",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 75:74:5A:A6:A4:E5:52:F4:A7:67:4C:01:C7:EE:91:3F:21:3D:A2:E3:53:7B:"
    "6F:30:86:F2:30:AA:65:FB:04:24",
    "a=setup:actpass",
    "a=mid:0",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=sendrecv",
    "a=msid:3bd1f4a2-2c4f 9c1f0e6b-audio",
    "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2",
    "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtpmap:63 red/48000/2",
    "a=fmtp:63 111/111",
    "a=rtpmap:9 G722/8000",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:13 CN/8000",
    "a=rtpmap:110 telephone-event/48000",
    "a=rtpmap:126 telephone-event/8000",
    "a=ssrc:1001211001 cname:Qw3rTy7uIoP1aSdF",
    "a=ssrc:1001211001 msid:3bd1f4a2-2c4f 9c1f0e6b",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 "
    "99 100 101 112 113 114",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:4ZcD",
    "a=ice-pwd:2/1muCWoOi3uLifh0NuRHlgm",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 75:74:5A:A6:A4:E5:52:F4:A7:67:4C:01:C7:EE:91:3F:21:3D:A2:E3:53:7B:"
    "6F:30:86:F2:30:AA:65:FB:04:24",
    "a=setup:actpass",
    "a=mid:1",
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:13 urn:3gpp:video-orientation",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type",
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing",
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
    "a=sendrecv",
    "a=msid:3bd1f4a2-2c4f 5e0a7c3d-video",
    "a=rtcp-mux",
    "a=rtcp-rsize",
    "a=rtpmap:96 VP8/90000",
    "a=rtcp-fb:96 goog-remb",
    "a=rtcp-fb:96 transport-cc",
    "a=rtcp-fb:96 ccm fir",
    "a=rtcp-fb:96 nack",
    "a=rtcp-fb:96 nack pli",
    "a=rtpmap:97 rtx/90000",
    "a=fmtp:97 apt=96",
    "a=rtpmap:102 H264/90000",
    "a=rtcp-fb:102 goog-remb",
    "a=rtcp-fb:102 transport-cc",
    "a=rtcp-fb:102 ccm fir",
    "a=rtcp-fb:102 nack",
    "a=rtcp-fb:102 nack pli",
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=rtpmap:103 rtx/90000",
    "a=fmtp:103 apt=102",
    "a=rtpmap:104 H264/90000",
    "a=rtcp-fb:104 goog-remb",
    "a=rtcp-fb:104 transport-cc",
    "a=rtcp-fb:104 ccm fir",
    "a=rtcp-fb:104 nack",
    "a=rtcp-fb:104 nack pli",
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
    "a=rtpmap:105 rtx/90000",
    "a=fmtp:105 apt=104",
    "a=rtpmap:106 H264/90000",
    "a=rtcp-fb:106 goog-remb",
    "a=rtcp-fb:106 transport-cc",
    "a=rtcp-fb:106 ccm fir",
    "a=rtcp-fb:106 nack",
    "a=rtcp-fb:106 nack pli",
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
    "a=rtpmap:107 rtx/90000",
    "a=fmtp:107 apt=106",
    "a=rtpmap:98 VP9/90000",
    "a=rtcp-fb:98 goog-remb",
    "a=rtcp-fb:98 transport-cc",
    "a=rtcp-fb:98 ccm fir",
    "a=rtcp-fb:98 nack",
    "a=rtcp-fb:98 nack pli",
    "a=fmtp:98 profile-id=0",
    "a=rtpmap:99 rtx/90000",
    "a=fmtp:99 apt=98",
    "a=rtpmap:100 VP9/90000",
    "a=rtcp-fb:100 goog-remb",
    "a=rtcp-fb:100 transport-cc",
    "a=rtcp-fb:100 ccm fir",
    "a=rtcp-fb:100 nack",
    "a=rtcp-fb:100 nack pli",
    "a=fmtp:100 profile-id=2",
    "a=rtpmap:101 rtx/90000",
    "a=fmtp:101 apt=100",
    "a=rtpmap:45 AV1/90000",
    "a=rtcp-fb:45 goog-remb",
    "a=rtcp-fb:45 transport-cc",
    "a=rtcp-fb:45 ccm fir",
    "a=rtcp-fb:45 nack",
    "a=rtcp-fb:45 nack pli",
    "a=rtpmap:46 rtx/90000",
    "a=fmtp:46 apt=45",
    "a=rtpmap:112 red/90000",
    "a=rtpmap:113 rtx/90000",
    "a=fmtp:113 apt=112",
    "a=rtpmap:114 ulpfec/90000",
    "a=ssrc-group:FID 2872302961 1577216447",
    "a=ssrc:2872302961 cname:Qw3rTy7uIoP1aSdF",
    "a=ssrc:2872302961 msid:3bd1f4a2-2c4f 5e0a7c3d",
    "a=ssrc:1577216447 cname:Qw3rTy7uIoP1aSdF",
    "a=ssrc:1577216447 msid:3bd1f4a2-2c4f 5e0a7c3d",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:4ZcD",
    "a=ice-pwd:2/1muCWoOi3uLifh0NuRHlgm",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 75:74:5A:A6:A4:E5:52:F4:A7:67:4C:01:C7:EE:91:3F:21:3D:A2:E3:53:7B:"
    "6F:30:86:F2:30:AA:65:FB:04:24",
    "a=setup:actpass",
    "a=mid:2",
    "a=sctp-port:5000",
    "a=max-message-size:262144"};

constexpr std::string_view kCandidate =
    "\"candidate\":{\"candidate\":\"candidate:1467250027 1 udp 2122260223 192.168.1.23 46243 "
    "typ host generation 0\","
    "\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"usernameFragment\":\"4ZcD\"}}";

Template build(std::string_view type, std::string_view body, bool targeted, bool with_sender) {
  Template t;
  t.text = "{\"bx\":\"";
  t.bx_at = t.text.size();
  t.text += std::string(kBxLen, '0') + "\",\"type\":\"" + std::string(type) + "\"";
  if (with_sender) {
    t.text += ",\"senderId\":\"";
    t.sender_at = t.text.size();
    t.text += peer_id(0) + "\"";
  }
  if (targeted) {
    t.text += ",\"targetId\":\"";
    t.target_at = t.text.size();
    t.text += peer_id(0) + "\"";
  }
  t.text += ",";
  t.text += body;
  t.text[t.bx_at + 7] = '-';
  t.text[t.bx_at + 18] = '-';
  return t;
}

std::string sdp_body(std::string_view kind) {
  std::string body = "\"sdp\":{\"type\":\"" + std::string(kind) + "\",\"sdp\":\"";
  for (const char* line : kSdp) body += std::string(line) + "\\r\\n";
  return body + "\"}}";
}

std::uint64_t digits(const char* p, std::size_t n, bool& ok) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned char>(p[i]) - '0';
    if (d > 9) ok = false;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

std::string peer_id(std::uint32_t index) {
  std::string id(kIdLen, 'p');
  put_digits(id.data() + 1, kIdLen - 1, index);
  return id;
}

Templates make_templates(bool targeted, bool with_sender_id) {
  Templates t;
  t.ice = build("ice", kCandidate, targeted, with_sender_id);
  t.offer = build("sdp", sdp_body("offer"), targeted, with_sender_id);
  t.answer = build("sdp", sdp_body("answer"), targeted, with_sender_id);
  return t;
}

bool parse_bx(std::string_view msg, std::uint32_t& sender, std::uint64_t& seq, std::uint64_t& ts) {
  std::size_t at;
  // Relayed as sent, the field comes first; a re-serialized one may not.
  if (msg.size() > 1 + kBxKey.size() && msg.substr(1, kBxKey.size()) == kBxKey) {
    at = 1 + kBxKey.size();
  } else {
    at = msg.find(kBxKey);
    if (at == std::string_view::npos) return false;
    at += kBxKey.size();
  }
  if (msg.size() < at + kBxLen) return false;
  const char* p = msg.data() + at;
  bool ok = p[7] == '-' && p[18] == '-';
  sender = static_cast<std::uint32_t>(digits(p, 7, ok));
  seq = digits(p + 8, 10, ok);
  ts = digits(p + 19, 15, ok);
  return ok;
}

}  // namespace sm_bench
