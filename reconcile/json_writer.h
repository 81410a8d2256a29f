#pragma once
// JSON laid out byte for byte as nlohmann::json::dump(2) lays it out (two
// spaces a level, "[]" and "{}" when empty), written straight into a string
// without building a json tree: the plan report writes one entry per user,
// 100k of them. Members must be written in dump's order (by key, bytewise);
// report_test checks the whole report against a parse and dump of itself.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/attributes.h"

namespace idb::reconcile {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  // Items of an array open `depth` levels deep, to be joined after what
  // another writer wrote there (which holds items already unless `first`):
  // a long array can be rendered in slices on several threads.
  JsonWriter(std::string& out, std::size_t depth, bool first) : out_(out), empty_(depth, false) {
    if (depth > 0) empty_.back() = first;
  }
  std::size_t depth() const { return empty_.size(); }
  // The open array got items written by other writers.
  void items_joined() { empty_.back() = false; }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // Before a member's value.
  JsonWriter& key(std::string_view name);
  // Before an array's element.
  JsonWriter& item();

  void string(std::string_view s);
  void boolean(bool b) { out_ += b ? "true" : "false"; }
  void number(int64_t n) { out_ += std::to_string(n); }
  void null() { out_ += "null"; }
  // `secret`: each value as mapping::kSecretValue (a secret attribute's).
  void strings(const mapping::Values& values, bool secret = false);
  // An object of string arrays, its names in dump's (bytewise) order; a
  // secret attribute's values as in strings().
  void attributes(const mapping::Attributes& attributes, const mapping::SecretAttributes& secrets);

 private:
  void open(char bracket);
  void close(char bracket);
  void newline();

  std::string& out_;
  std::vector<bool> empty_;  // per open object or array: nothing in it yet
};

}  // namespace idb::reconcile
