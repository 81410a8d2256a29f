#include "tests/cloud/harness.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace idb::test::cloud {

Converged converge(connectors::Connector& connector, const mapping::Desired& wanted, bool disabled,
                   const reconcile::DisableMark& mark, int max_rounds) {
  Converged out;
  const mapping::Desired desired = reconcile::apply_lifecycle(wanted, disabled, mark);
  std::vector<std::string> names;
  for (const auto& [name, values] : desired.attributes) names.push_back(name);
  auto fail = [&](const connectors::Failure& failure) {
    out.failures += failure.code + " " + failure.message + "\n";
    out.status = failure;
    return failure.kind == connectors::FailureKind::retry;
  };
  while (out.rounds < max_rounds) {
    ++out.rounds;
    auto observed = connector.read(desired.key, names);
    if (!observed) {
      if (fail(observed.failure())) continue;
      return out;
    }
    std::optional<reconcile::Account> account;
    if (observed.value()) account = reconcile::Account{observed.value()->key, observed.value()->attributes};
    if (!account && disabled) return out.status = connectors::ok(), out;
    const auto ops = reconcile::plan(desired, account);
    if (ops.empty()) return out.status = connectors::ok(), out;
    bool failed = false;
    for (const auto& op : ops) {
      if (auto status = connector.apply(op); !status) {
        if (!fail(status.failure())) return out;
        failed = true;
        break;
      }
    }
    if (!failed) out.status = connectors::ok();
  }
  return out;
}

std::vector<int> tokens_over_half_life(const std::function<bool()>& read, const std::function<int()>& issued) {
  std::vector<int> out;
  for (int i = 0; i < 3; ++i) {
    if (i == 2) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    out.push_back(read() ? issued() : -1);
  }
  return out;
}

LogCapture::LogCapture() : stream_(std::make_shared<std::ostringstream>()), previous_(spdlog::default_logger()) {
  auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream_));
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

LogCapture::~LogCapture() { spdlog::set_default_logger(previous_); }

TempState::TempState() {
  std::string pattern = (std::filesystem::temp_directory_path() / "idb-cloud-state-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot make a temporary directory");
  dir_ = pattern;
  store_ = state::Store::open(dir_);
}

TempState::~TempState() {
  store_.reset();
  std::error_code ignored;  // a leftover temporary directory is not worth failing a test for
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace idb::test::cloud
