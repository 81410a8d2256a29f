#include "daemon/logging.h"

#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace idb::logging {
namespace {

void mask(std::string& line, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = line.find(secret); at != std::string::npos; at = line.find(secret, at + 3)) {
      line.replace(at, secret.size(), "***");
    }
  }
}

// Formats a line (text pattern or JSON object), then masks secrets in it.
class Formatter final : public spdlog::formatter {
 public:
  Formatter(Format format, std::vector<std::string> secrets)
      : format_(format), secrets_(std::move(secrets)), text_("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ %v") {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    if (format_ == Format::json) {
      spdlog::memory_buf_t time;
      time_.format(msg, time);
      line = nlohmann::json{{"time", std::string(time.data(), time.size())},
                            {"level", spdlog::level::to_string_view(msg.level).data()},
                            {"msg", std::string(msg.payload.data(), msg.payload.size())}}
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      line += '\n';
    } else {
      spdlog::memory_buf_t buf;
      text_.format(msg, buf);
      line.assign(buf.data(), buf.size());
    }
    mask(line, secrets_);
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<Formatter>(format_, secrets_);
  }

 private:
  Format format_;
  std::vector<std::string> secrets_;
  spdlog::pattern_formatter text_;
  spdlog::pattern_formatter time_{"%Y-%m-%dT%H:%M:%S.%e%z", spdlog::pattern_time_type::utc, ""};
};

}  // namespace

Format parse_format(const std::string& name) {
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  throw std::invalid_argument("unknown log format '" + name + "' (known: text, json)");
}

void setup(const std::string& level, Format format, std::vector<std::string> secrets) {
  const auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level '" + level + "' (known: trace, debug, info, warn, error)");
  }
  // Longest first, so a secret containing another is masked whole.
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  auto logger = std::make_shared<spdlog::logger>("idbridge", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(std::make_unique<Formatter>(format, std::move(secrets)));
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace idb::logging
