#include "reconcile/json_writer.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace idb::reconcile {

void JsonWriter::open(char bracket) {
  out_ += bracket;
  empty_.push_back(true);
}

void JsonWriter::close(char bracket) {
  const bool empty = empty_.back();
  empty_.pop_back();
  if (!empty) newline();
  out_ += bracket;
}

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(2 * empty_.size(), ' ');
}

JsonWriter& JsonWriter::item() {
  if (!empty_.back()) out_ += ',';
  empty_.back() = false;
  newline();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  item();
  string(name);
  out_ += ": ";
  return *this;
}

void JsonWriter::string(std::string_view s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x80 && c != '"' && c != '\\';
  });
  if (!plain) {
    // Escapes are left to nlohmann, so they come out exactly as dump writes
    // them. Bytes that are not UTF-8 (a target's octetString value) become
    // U+FFFD: one such value must not cost the whole report.
    out_ += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out_ += '"';
  out_ += s;
  out_ += '"';
}

void JsonWriter::strings(const mapping::Values& values, bool secret) {
  begin_array();
  for (const auto& v : values) item().string(secret ? mapping::kSecretValue : std::string_view(v));
  end_array();
}

void JsonWriter::attributes(const mapping::Attributes& attributes, const mapping::SecretAttributes& secrets) {
  // Attributes order names case-insensitively; dump orders them bytewise.
  std::vector<const mapping::Attributes::value_type*> sorted;
  sorted.reserve(attributes.size());
  for (const auto& entry : attributes) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  begin_object();
  for (const auto* entry : sorted) {
    key(entry->first);
    strings(entry->second, secrets(entry->first));
  }
  end_object();
}

}  // namespace idb::reconcile
