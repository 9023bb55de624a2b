// signalmesh-bench's command line.
#pragma once

#include <string>
#include <vector>

#include "payload.hpp"

namespace sm_bench {

// One set of rooms driven the same way. The main group comes from --rooms,
// --peers, ...; --hot-room adds a second group: one room whose first member
// broadcasts ICE at --hot-rate.
struct GroupSpec {
  std::string name = "main";
  int rooms = 100;
  int peers = 4;
  bool broadcast = false;
  bool echo = false;  // each peer to itself: only for --mode echo-server
  Payload payload = Payload::kIce;
  double rate = 0;  // total msgs/s offered by the group (open loop); 0: closed loop
  int window = 4;   // closed loop: messages in flight per sender
  bool one_sender = false;
};

struct Options {
  std::string mode = "relay";  // relay | idle | connect-storm | echo-server
  std::vector<std::string> urls;
  GroupSpec main;
  int hot_room = 0;  // members of the hot room; 0: none
  double hot_rate = 10;
  double warmup = 2;
  double duration = 10;
  double drain = 5;     // at most; ends once every delivery arrived
  double timeout = 15;  // connect + welcome, seconds
  int threads = 1;
  int connections = 1000;  // idle, connect-storm
  int concurrency = 128;   // connects in flight at once
  int source_addrs = 8;    // spread connections over 127.0.0.1..N
  std::vector<int> server_pids;
  bool json = false;
  bool sender_id = true;
  std::string label;
  int port = 0;  // echo-server
};

// Parses argv; on error or --help fills `message` and returns false
// (exit_code 0 for --help, 2 for a bad command line).
bool parse_options(int argc, char** argv, Options& out, std::string& message, int& exit_code);

}  // namespace sm_bench
