// Judging torture trials against what the protocol promises, and counting
// them per case: a case reports trials, passes, resets, wrong codes and
// missing errors, and fails naming those counts rather than the first trial
// that went wrong (a 1-in-200 race needs the rate, not one sample).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "torture/close_observer.hpp"

namespace signalmesh::test {

// What the protocol promises a closed client (protocol.md §1, §4, §5).
struct ClosePromise {
  int close_code = 0;
  // The `error` code that precedes the close; "" when none may arrive.
  std::string error_code;
  // Exactly this many `error` messages before the close, all `error_code`.
  int errors = 0;
  // When set, the type of the last message before the close (4010: kick).
  std::string last_message_type;
};

// Everything that can go wrong in one trial; a trial may have several.
enum class Flaw {
  kResetBeforeClose,  // ECONNRESET before any close frame: the client sees 1006
  kEofWithoutClose,   // the stream ended cleanly but without a close frame: 1006 too
  kResetAfterClose,   // the close frame came, then a reset instead of the FIN
  kResetAfterFin,     // the FIN came, then a reset: the server closed with bytes unread
  kTimeout,           // no close frame (or no end after it) within the timeout
  kWrongCode,         // a close frame with another code
  kWrongErrors,       // the promised `error` missing, or errors that were not promised
  kUnexpected,        // another message out of place (data after the close, order)
  kLost,              // a relayed message lost or out of order (cross-pod case)
  kSetup,             // the trial could not be set up (upgrade, welcome, pod)
};

struct TrialResult {
  std::vector<Flaw> flaws;
  std::string detail;  // what was seen, for the first failures' report
  bool passed() const { return flaws.empty(); }
  void add(Flaw flaw, const std::string& what);
  // Takes over `other`'s flaws, its detail prefixed with `who`.
  void merge(const TrialResult& other, const std::string& who);
};

// The flaws of `seen` against `promise`.
TrialResult judge(const CloseObservation& seen, const ClosePromise& promise);
// The end-of-stream flaws only (resets, timeouts): for a close whose
// messages the caller checks itself.
void judge_stream_end(const CloseObservation& seen, TrialResult& result);

class CaseTally {
 public:
  explicit CaseTally(std::string name) : name_(std::move(name)) {}

  void add(const TrialResult& result);
  int trials() const { return trials_; }
  int passes() const { return passes_; }
  int count(Flaw flaw) const;
  // Resets of every kind (before or after the close frame or the FIN, and
  // EOF without a close frame, which a client reports as 1006 just the same).
  int resets() const;

  // "1008: 200 trials, 118 passed; resets 82 (...); wrong codes 0; ...",
  // then the first few failed trials.
  std::string summary() const;
  // Prints the counts on stdout (also when passing: they are the point),
  // and records a test failure with the summary unless every trial passed.
  void report() const;

 private:
  std::string name_;
  int trials_ = 0;
  int passes_ = 0;
  std::map<Flaw, int> counts_;
  std::vector<std::string> first_failures_;
};

// The number of trials for a case: `normal` in a plain build, a third of it
// under AddressSanitizer (every process runs several times slower there),
// never below `minimum`; SIGNALMESH_TORTURE_SCALE (a positive number)
// multiplies either, e.g. 10 for a soak run.
int trial_count(int normal, int minimum = 10);

}  // namespace signalmesh::test
