// The building blocks of torture trials that every case file shares.
#pragma once

#include <string>

#include "support/raw_client.hpp"
#include "torture/close_observer.hpp"
#include "torture/torture_report.hpp"

namespace signalmesh::test {

// A broadcast `ice`: valid, and delivered to nobody when its sender is
// alone, so a client can send it over and over without changing its fate.
std::string broadcast_ice();

// `count` copies of `message` as one write: what a BackgroundWriter repeats.
std::string filler_batch(const std::string& message, int count = 4);

// One victim: connects to `path` (reading its welcome when `admitted`),
// writes `trigger` (frames as one write; may be empty), then keeps writing
// `filler` while it reads up to the close, and judges what it saw.
TrialResult provoke_close(const std::string& base_url, const std::string& path, bool admitted,
                          const std::string& trigger, const std::string& filler,
                          const ClosePromise& promise);

// Closes `client` with 1000 from its side; a reset, a missing echo or an
// earlier close by the server becomes a flaw of `result`, named by `who`.
void close_without_flaws(RawWsClient& client, const std::string& who, TrialResult& result);

// Reads until a message described as `what` (see describe()) arrives;
// false when the stream ended or the time ran out first.
bool read_until(RawWsClient& client, const std::string& what, Ms timeout);

}  // namespace signalmesh::test
