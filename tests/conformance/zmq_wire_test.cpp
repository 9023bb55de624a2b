// The ZeroMQ mesh's wire format and loss detection, step by step, without
// sockets (backends/zmq/zmq_wire.hpp).
#include "zmq/zmq_wire.hpp"

#include <gtest/gtest.h>

#include <string>

namespace signalmesh::backends::zmq {
namespace {

bool is_prefix(const std::string& a, const std::string& b) {
  return b.compare(0, a.size(), a) == 0;
}

TEST(ZmqWire, ATerminatedRoomTopicIsNeverAPrefixOfAnotherRoomsTopic) {
  // ZeroMQ matches subscriptions by prefix: this is what keeps rooms apart.
  EXPECT_FALSE(is_prefix(data_topic("room:ab"), data_topic("room:abc")));
  EXPECT_FALSE(is_prefix(data_topic("room:a"), data_topic("room:ab")));
  EXPECT_TRUE(is_prefix(data_topic("room:ab"), data_topic("room:ab")));
  // Unterminated, they would leak.
  EXPECT_TRUE(is_prefix("room:ab", "room:abc"));
}

TEST(ZmqWire, ChannelsAreNonEmptyAndNulFree) {
  EXPECT_TRUE(is_valid_channel("room:r"));
  EXPECT_FALSE(is_valid_channel(""));
  EXPECT_FALSE(is_valid_channel(std::string("room:\0x", 7)));
}

TEST(ZmqWire, AnEnvelopeTopicGivesBackItsChannelAndControlTopicsGiveNone) {
  EXPECT_EQ(channel_of(data_topic("room:r")), std::optional<std::string_view>("room:r"));
  EXPECT_EQ(channel_of("room:r"), std::nullopt) << "unterminated";
  EXPECT_EQ(channel_of(std::string("\0", 1)), std::nullopt) << "empty channel";
  EXPECT_EQ(channel_of(identity_topic(7)), std::nullopt);
  EXPECT_EQ(channel_of(probe_topic(7, 3)), std::nullopt);
}

TEST(ZmqWire, NoEnvelopeSubscriptionCanMatchAControlTopic) {
  for (const std::string& control : {identity_topic(1), probe_topic(1, 0)}) {
    EXPECT_EQ(control.front(), '\0');
    for (const char* channel : {"room:", "cluster", "a"}) {
      EXPECT_FALSE(is_prefix(data_topic(channel), control));
    }
  }
}

TEST(ZmqWire, HeadersRoundTripAndAnythingElseIsRefused) {
  const auto h = encode_header({0x0123456789abcdefULL, 42});
  const auto back = decode_header({h.data(), h.size()});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->origin, 0x0123456789abcdefULL);
  EXPECT_EQ(back->seq, 42u);
  EXPECT_FALSE(decode_header(std::string(h.data(), h.size() - 1)));
  std::string other(h.data(), h.size());
  other[1] = '2';
  EXPECT_FALSE(decode_header(other)) << "another version";
}

TEST(ZmqWire, ControlTopicsParseBackAndMalformedOnesDoNot) {
  const auto identity = parse_control(identity_topic(0xfeedULL));
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->kind, ControlKind::kIdentity);
  EXPECT_EQ(identity->instance, 0xfeedULL);
  const auto probe = parse_control(probe_topic(9, 12345));
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->kind, ControlKind::kProbe);
  EXPECT_EQ(probe->instance, 9u);
  EXPECT_EQ(probe->probe, 12345u);
  std::string cut = probe_topic(9, 1);
  cut.pop_back();
  EXPECT_FALSE(parse_control(cut));
  EXPECT_FALSE(parse_control(data_topic("room:r")));
  EXPECT_FALSE(parse_control(std::string("\0A0000000000000009:\0", 20)));
  EXPECT_FALSE(parse_control(std::string("\0X0000000000000009\0", 19)));
}

TEST(ZmqWire, ASequenceTrackerCountsExactlyTheNumbersItSkipped) {
  SequenceTracker t;
  EXPECT_EQ(t.observe(1, "room:r", 5), 0u) << "the first number seen is a baseline";
  EXPECT_EQ(t.observe(1, "room:r", 6), 0u);
  EXPECT_EQ(t.observe(1, "room:r", 9), 2u) << "7 and 8 are missing";
  EXPECT_EQ(t.observe(1, "room:s", 3), 0u) << "streams are per channel";
  EXPECT_EQ(t.observe(2, "room:r", 4), 0u) << "and per origin";
  EXPECT_EQ(t.observe(1, "room:r", 10), 0u);
  EXPECT_EQ(t.observe(1, "room:r", 0), 0u) << "0 is unsequenced";
  EXPECT_EQ(t.observe(1, "room:r", 11), 0u);
}

TEST(ZmqWire, APublisherThatStartsAStreamAgainIsNotALoss) {
  SequenceTracker t;
  t.observe(1, "room:r", 57);
  EXPECT_EQ(t.observe(1, "room:r", 1), 0u) << "it re-subscribed: a new stream";
  EXPECT_EQ(t.observe(1, "room:r", 3), 1u);
}

TEST(ZmqWire, ForgettingAChannelOrAnOriginStartsItsStreamsAfresh) {
  SequenceTracker t;
  t.observe(1, "room:r", 1);
  t.observe(2, "room:r", 1);
  t.observe(1, "room:s", 1);
  EXPECT_EQ(t.streams(), 3u);
  t.forget_channel("room:r");
  EXPECT_EQ(t.streams(), 1u);
  EXPECT_EQ(t.observe(1, "room:r", 9), 0u) << "a new baseline after forgetting";
  t.forget_origin(1);
  EXPECT_EQ(t.streams(), 0u);
}

}  // namespace
}  // namespace signalmesh::backends::zmq
