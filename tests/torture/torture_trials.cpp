#include "torture/torture_trials.hpp"

#include <chrono>

#include "support/json.hpp"

namespace signalmesh::test {

std::string broadcast_ice() {
  return ice_message("");
}

std::string filler_batch(const std::string& message, int count) {
  return FrameBatch().texts(message, count).bytes();
}

TrialResult provoke_close(const std::string& base_url, const std::string& path, bool admitted,
                          const std::string& trigger, const std::string& filler,
                          const ClosePromise& promise) {
  RawWsClient victim;
  const std::string failure = join(victim, base_url, path, admitted);
  if (!failure.empty()) {
    TrialResult result;
    result.add(Flaw::kSetup, failure);
    return result;
  }
  // A failed write means the server already reset us: the read tells how.
  if (!trigger.empty()) victim.send_raw(trigger);
  BackgroundWriter writer(victim, filler);
  return judge(observe_close(victim, &writer, close_timeout()), promise);
}

void close_without_flaws(RawWsClient& client, const std::string& who, TrialResult& result) {
  const CloseObservation seen = close_cleanly(client, close_timeout());
  TrialResult own;
  judge_stream_end(seen, own);
  if (seen.close_code && *seen.close_code != 1000) {
    own.add(Flaw::kWrongCode, "closed by the server with " + std::to_string(*seen.close_code));
  }
  result.merge(own, who);
}

bool read_until(RawWsClient& client, const std::string& what, Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    std::optional<Frame> frame = client.next_frame(left < Ms(0) ? Ms(0) : left);
    if (!frame || frame->opcode == 8) return false;
    if (frame->opcode == 1 && describe(frame->payload) == what) return true;
  }
}

}  // namespace signalmesh::test
