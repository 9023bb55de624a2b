// The envelope codec on the wire (docs/cluster.md, "Envelope format"): the
// bytes of each kind are pinned so the format cannot drift, another version
// is told apart from garbage, and garbage is malformed, never a crash.
// (Round trips: envelope_round_trip_test.cpp.)
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cluster/envelope.hpp"

namespace signalmesh::cluster {
namespace {

// --- the exact bytes, one envelope per kind

TEST(EnvelopeWire, AJoinIsItsHeaderLineOnly) {
  EXPECT_EQ(encode("pod-a", Join{"peer", 12, 34}), "SM1 J pod-a peer 12 34\n");
}

TEST(EnvelopeWire, ALeaveCarriesTheReasonWord) {
  EXPECT_EQ(encode("pod-a", Leave{"peer", "timeout"}), "SM1 L pod-a peer timeout\n");
}

TEST(EnvelopeWire, ARelayNumbersItsKindAndCarriesTheFrameAfterTheHeader) {
  EXPECT_EQ(encode("pod-a", Relay{"a1", "b1", RelayKind::kSdp, "{\"type\":\"sdp\"}"}),
            "SM1 R pod-a a1 b1 4\n{\"type\":\"sdp\"}");
  EXPECT_EQ(encode("pod-a", Relay{"a1", Relay::kBroadcast, RelayKind::kIce, "x"}),
            "SM1 R pod-a a1 * 5\nx");
}

TEST(EnvelopeWire, AHostChangeNamesTheSenderAndTheNewHost) {
  EXPECT_EQ(encode("pod-b", HostChange{"a1", "b1"}), "SM1 H pod-b a1 b1\n");
}

TEST(EnvelopeWire, AKickCarriesTheKickFrameAfterTheHeader) {
  EXPECT_EQ(encode("pod-a", Kick{"a1", "b1", "{\"type\":\"kick\"}"}),
            "SM1 K pod-a a1 b1\n{\"type\":\"kick\"}");
}

TEST(EnvelopeWire, ASyncRequestNamesTheRoom) {
  EXPECT_EQ(encode("pod-c", SyncRequest{"room-1"}), "SM1 Q pod-c room-1\n");
}

TEST(EnvelopeWire, ASyncListsTheExplicitHostOrADashThenCountedMembers) {
  EXPECT_EQ(encode("pod-a", Sync{}), "SM1 S pod-a - 0\n");
  EXPECT_EQ(encode("pod-a", Sync{"b1", {{"a1", 1, 2}, {"a2", 3, 4}}}),
            "SM1 S pod-a b1 2 a1 1 2 a2 3 4\n");
}

TEST(EnvelopeWire, AHeartbeatCarriesTheIncarnationAndTheHelloFlag) {
  EXPECT_EQ(encode("pod-a", Heartbeat{1700000000000000, true}), "SM1 B pod-a 1700000000000000 1\n");
  EXPECT_EQ(encode("pod-a", Heartbeat{7, false}), "SM1 B pod-a 7 0\n");
}

// --- versions

TEST(EnvelopeVersion, AnotherVersionTagIsOtherVersionNotMalformed) {
  Envelope e;
  for (std::string_view wire :
       {"SM2 J pod-a peer 12 34\n", "SM2 anything at all, in a future format\nbody",
        "SM0 B p 1 0\n", "SM10 J pod-a peer 12 34\n", "sm1 J pod-a peer 12 34\n", "SM2\n",
        "XYZ\n"}) {
    EXPECT_EQ(decode(wire, e), DecodeResult::kOtherVersion) << wire;
  }
}

// --- garbage: malformed, never a crash

TEST(EnvelopeGarbage, EveryKindOfBrokenHeaderIsMalformed) {
  const std::string over_limit = "SM1 S pod-a - 100001\n";
  std::string many = "SM1 S pod-a - 100001";
  for (int i = 0; i < 100001; ++i) many += " p 1 1";
  many += '\n';
  Envelope e;
  for (std::string_view wire : std::vector<std::string_view>{
           "",                                           // empty
           "SM1 J pod-a peer 12 34",                     // no newline
           "\n",                                         // nothing on the line
           "SM1\n",                                      // no kind
           "SM1 J\n",                                    // no origin
           " SM1 J pod-a peer 12 34\n",                  // leading space
           "SM1  J pod-a peer 12 34\n",                  // empty field
           "SM1 X pod-a peer\n",                         // unknown kind letter
           "SM1 j pod-a peer 12 34\n",                   // kinds are upper case
           "SM1 JJ pod-a peer 12 34\n",                  // a kind is one letter
           "SM1 J pod-a peer 12\n",                      // missing field
           "SM1 J pod-a peer\n",                         // missing fields
           "SM1 J pod-a peer 12 34 56\n",                // extra field
           "SM1 J pod-a peer 12x 34\n",                  // not a number
           "SM1 J pod-a peer -1 34\n",                   // not an unsigned number
           "SM1 J pod-a peer 0x10 34\n",                 // not decimal
           "SM1 J pod-a peer 18446744073709551616 1\n",  // over 64 bits
           "SM1 L pod-a peer\n",                         // leave without reason
           "SM1 L pod-a peer left again\n",              // extra field
           "SM1 R pod-a a1 b1\n{}",                      // relay without kind
           "SM1 R pod-a a1 b1 7\n{}",                    // relay kind not 4/5/6
           "SM1 R pod-a a1 b1 0\n{}",                    // relay kind not 4/5/6
           "SM1 R pod-a a1 b1 sdp\n{}",                  // relay kind by name
           "SM1 R pod-a a1 b1 4 x\n{}",                  // extra field
           "SM1 H pod-a a1\n",                           // hand-off without new host
           "SM1 K pod-a a1\n{}",                         // kick without target
           "SM1 Q pod-a\n",                              // sync request without room
           "SM1 Q pod-a r1 r2\n",                        // two rooms
           "SM1 S pod-a -\n",                            // sync without count
           "SM1 S pod-a - 2 a1 1 2\n",                   // fewer members than counted
           "SM1 S pod-a - 1 a1 1 2 b1 3 4\n",            // more members than counted
           "SM1 S pod-a - 1 a1 1\n",                     // a member without epoch
           "SM1 S pod-a - x\n",                          // count not a number
           over_limit,                                   // count over 100000
           many,                                         // ... even with the members there
           "SM1 B pod-a 1\n",                            // heartbeat without hello
           "SM1 B pod-a 1 2\n",                          // hello is 0 or 1
           "SM1 B pod-a x 0\n",                          // incarnation not a number
           "SM1 J pod-a peer 12 34\nbody",               // a body on a kind that has none
           "SM1 L pod-a peer left\n\n",                  // ... even one newline
           "SM1 S pod-a - 0\nbody",                      //
           "SM1 B pod-a 1 0\nx",                         //
           "SM1 Q pod-a r\nx",                           //
           "SM1 H pod-a a1 b1\nx",                       //
       }) {
    EXPECT_EQ(decode(wire, e), DecodeResult::kMalformed) << "'" << wire.substr(0, 60) << "'";
  }
}

TEST(EnvelopeGarbage, TruncatedAndMutatedEnvelopesNeverCrashTheDecoder) {
  const std::vector<std::string> valid = {
      encode("pod-a", Join{"peer", 12, 34}),
      encode("pod-a", Leave{"peer", "left"}),
      encode("pod-a", Relay{"a1", "b1", RelayKind::kSdp, "{\"type\":\"sdp\"}"}),
      encode("pod-a", HostChange{"a1", "b1"}),
      encode("pod-a", Kick{"a1", "b1", "{\"type\":\"kick\"}"}),
      encode("pod-a", SyncRequest{"room"}),
      encode("pod-a", Sync{"a1", {{"a1", 1, 2}, {"a2", 3, 4}}}),
      encode("pod-a", Heartbeat{99, true}),
  };
  Envelope e;
  for (const auto& wire : valid) {
    // Every cut through the header line loses the newline: malformed.
    const auto header_end = wire.find('\n');
    for (std::size_t n = 0; n <= header_end; ++n) {
      EXPECT_EQ(decode(std::string_view(wire).substr(0, n), e), DecodeResult::kMalformed)
          << wire.substr(0, n);
    }
  }
  // Random byte mutations: any result, but a valid one and no crash.
  std::mt19937 rng(11);
  int ok = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string wire = valid[rng() % valid.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < edits; ++i) {
      const std::size_t at = rng() % wire.size();
      switch (rng() % 3) {
        case 0:
          wire[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          wire.erase(at, 1);
          break;
        default:
          wire.insert(at, 1, " \n0-9*S"[rng() % 7]);
          break;
      }
      if (wire.empty()) wire = "S";
    }
    const DecodeResult result = decode(wire, e);
    EXPECT_TRUE(result == DecodeResult::kOk || result == DecodeResult::kOtherVersion ||
                result == DecodeResult::kMalformed);
    if (result == DecodeResult::kOk) ++ok;
  }
  EXPECT_GT(ok, 0);  // some mutations keep an envelope valid (a digit for a digit)
}

}  // namespace
}  // namespace signalmesh::cluster
