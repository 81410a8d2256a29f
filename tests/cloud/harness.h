#pragma once
// What every cloud connector test shares: the daemon's read -> plan -> apply
// loop run until the target agrees (or a failure is final), and a capture of
// everything logged so tests can prove no secret was written.
#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "connectors/connector.h"
#include "mapping/mapping.h"
#include "reconcile/planner.h"
#include "state/store.h"

namespace idb::test::cloud {

struct Converged {
  connectors::Status status = connectors::ok();
  int rounds = 0;            // read/plan/apply rounds run
  std::string failures;      // every failure message met on the way, for secret checks
};

// Runs rounds until a round plans nothing; retry failures start another round
// (as the outbox would), other failures end it. Never creates only to disable.
Converged converge(connectors::Connector& connector, const mapping::Desired& desired, bool disabled,
                   const reconcile::DisableMark& mark, int max_rounds = 10);

// How many tokens a server has issued after each of three reads through a
// connector whose token lives 2 s: two reads at once (one token serves both),
// then one after half the token's life (renewed early): {1, 1, 2} when the
// cache works. A failed read shows as -1.
std::vector<int> tokens_over_half_life(const std::function<bool()>& read, const std::function<int()>& issued);

// A state store in a fresh temporary directory, removed with it (account links live there).
class TempState {
 public:
  TempState();
  ~TempState();
  state::Store& store() { return *store_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<state::Store> store_;
};

// Routes spdlog's default logger, at trace level, into a string while alive.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  std::string text() const { return stream_->str(); }

 private:
  std::shared_ptr<std::ostringstream> stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace idb::test::cloud
