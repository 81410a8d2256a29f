#include "scim/bulk.h"

#include <algorithm>

#include "scim/ascii.h"

namespace idb::scim {
namespace {

using json = nlohmann::json;

constexpr std::string_view kBulkIdPrefix = "bulkId:";

Error invalid(const std::string& detail) { return Error{400, "invalidValue", detail}; }

std::optional<std::string> referenced_id(std::string_view s) {
  if (s.size() <= kBulkIdPrefix.size() || s.substr(0, kBulkIdPrefix.size()) != kBulkIdPrefix) return std::nullopt;
  return std::string(s.substr(kBulkIdPrefix.size()));
}

void collect_references(const json& v, std::set<std::string>& out) {
  if (v.is_string()) {
    if (auto id = referenced_id(v.get_ref<const std::string&>())) out.insert(*id);
  } else if (v.is_structured()) {
    for (const auto& e : v) collect_references(e, out);
  }
}

void replace_references(json& v, const std::map<std::string, std::string>& ids) {
  if (v.is_string()) {
    if (auto id = referenced_id(v.get_ref<const std::string&>())) {
      if (auto found = ids.find(*id); found != ids.end()) v = found->second;
    }
  } else if (v.is_structured()) {
    for (auto& e : v) replace_references(e, ids);
  }
}

std::optional<Error> path_error(const std::string& method, const std::string& path) {
  if (path.empty() || path[0] != '/') return invalid("'path' must be a resource path such as \"/Users\"");
  const size_t slash = path.find('/', 1);
  if (method == "POST") {
    if (slash != std::string::npos && slash + 1 != path.size()) {
      return invalid("a POST 'path' names a resource type endpoint (\"/Users\"), not '" + path + "'");
    }
  } else if (slash == std::string::npos || slash + 1 == path.size() || path.find('/', slash + 1) != std::string::npos) {
    return invalid("a " + method + " 'path' names one resource (\"/Users/<id>\"), not '" + path + "'");
  }
  return std::nullopt;
}

std::variant<BulkOperation, Error> parse_operation(const json& j, size_t index) {
  const std::string where = "Operations[" + std::to_string(index) + "]";
  if (!j.is_object()) return invalid(where + " must be an object");
  BulkOperation op;
  auto text = [&](const char* name, std::string& into) -> std::optional<Error> {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!iequals(it.key(), name)) continue;
      if (!it->is_string()) return invalid(where + "." + name + " must be a string");
      into = it->get<std::string>();
    }
    return std::nullopt;
  };
  std::string version;
  for (auto [name, into] : {std::pair{"method", &op.method}, std::pair{"bulkId", &op.bulk_id},
                            std::pair{"path", &op.path}, std::pair{"version", &version}}) {
    if (auto err = text(name, *into)) return *err;
  }
  if (!version.empty()) op.version = version;
  const auto methods = {"POST", "PUT", "PATCH", "DELETE"};
  const auto method = std::find_if(methods.begin(), methods.end(), [&](const char* m) { return iequals(m, op.method); });
  if (method == methods.end()) return invalid(where + ".method must be POST, PUT, PATCH or DELETE");
  op.method = *method;
  if (op.method == "POST" && op.bulk_id.empty()) return invalid(where + ": a POST needs a 'bulkId'");
  if (op.bulk_id.starts_with(kBulkIdPrefix)) return invalid(where + ".bulkId must not itself start with 'bulkId:'");
  if (auto err = path_error(op.method, op.path)) return Error{err->status, err->scim_type, where + ": " + err->detail};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (iequals(it.key(), "data")) op.data = it.value();
  }
  if (op.method != "DELETE" && !op.data.is_object()) return invalid(where + ": a " + op.method + " needs 'data' (an object)");
  return op;
}

json outcome_json(const BulkOperation& op, const BulkOutcome& outcome) {
  json item = {{"method", op.method}, {"status", std::to_string(outcome.status)}};
  if (!op.bulk_id.empty()) item["bulkId"] = op.bulk_id;
  if (!outcome.location.empty()) item["location"] = outcome.location;
  if (!outcome.version.empty()) item["version"] = outcome.version;
  if (outcome.error) item["response"] = outcome.error->to_json();
  return item;
}

// Elements of `data`'s top-level arrays that refer to a bulkId not created
// yet, by attribute: the part of a POST that can wait for a PATCH so a
// reference cycle (two groups holding each other) is broken, as RFC 7644
// §3.7.1 asks the service provider to try.
std::map<std::string, json> take_waiting_elements(json& data, const std::map<std::string, std::string>& ids) {
  std::map<std::string, json> taken;
  for (auto it = data.begin(); it != data.end(); ++it) {
    if (!it->is_array()) continue;
    json kept = json::array();
    for (auto& element : *it) {
      std::set<std::string> refs;
      collect_references(element, refs);
      const bool waits = std::any_of(refs.begin(), refs.end(), [&](const auto& r) { return !ids.contains(r); });
      (waits ? taken[it.key()] : kept).push_back(std::move(element));
    }
    *it = std::move(kept);
  }
  return taken;
}

class BulkRun {
 public:
  BulkRun(const BulkRequest& request, const BulkExecutor& execute) : request_(request), execute_(execute) {
    for (const auto& op : request.operations) {
      if (op.method == "POST") defined_.insert(op.bulk_id);
    }
  }

  json run() {
    std::vector<size_t> pending(request_.operations.size());
    for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
    while (!pending.empty() && !stopped()) {
      const size_t before = pending.size();
      std::erase_if(pending, [&](size_t i) { return !stopped() && try_run(request_.operations[i]); });
      if (stopped() || pending.size() < before) continue;
      if (!break_cycle(pending)) {
        for (size_t i : pending) {
          if (stopped()) break;
          fail(request_.operations[i], Error{409, "", "the operation waits on a circular bulkId reference that could not be resolved"});
        }
        pending.clear();
      }
    }
    for (auto& d : deferred_) complete_deferred(d);
    return {{"schemas", {kBulkResponseSchema}}, {"Operations", std::move(results_)}};
  }

 private:
  struct Deferred {
    size_t result;  // index in results_
    BulkOperation patch;
  };

  bool stopped() const { return request_.fail_on_errors > 0 && errors_ >= request_.fail_on_errors; }

  // Runs `op` if its references allow; false while one still waits for its POST.
  bool try_run(const BulkOperation& op) {
    for (const auto& ref : bulk_references(op)) {
      if (!defined_.contains(ref)) {
        return fail(op, invalid("bulkId '" + ref + "' is not defined by any POST in this request"));
      }
      if (failed_.contains(ref)) return fail(op, Error{409, "", "the POST defining bulkId '" + ref + "' failed"});
      if (!ids_.contains(ref)) return false;
    }
    record(op, execute_(resolve_references(op, ids_)));
    return true;
  }

  bool fail(const BulkOperation& op, Error e) {
    record(op, BulkOutcome::failed(std::move(e)));
    return true;
  }

  void record(const BulkOperation& op, const BulkOutcome& outcome) {
    if (outcome.error) {
      ++errors_;
      if (op.method == "POST") failed_.insert(op.bulk_id);
    } else if (op.method == "POST") {
      ids_[op.bulk_id] = outcome.id;
    }
    results_.push_back(outcome_json(op, outcome));
  }

  // Creates the first waiting POST without the array elements that refer to
  // resources not created yet, and adds them by PATCH once the rest has run.
  bool break_cycle(std::vector<size_t>& pending) {
    for (auto it = pending.begin(); it != pending.end(); ++it) {
      BulkOperation op = request_.operations[*it];
      if (op.method != "POST") continue;
      auto taken = take_waiting_elements(op.data, ids_);
      if (taken.empty()) continue;
      const auto refs = bulk_references(op);
      if (std::any_of(refs.begin(), refs.end(), [&](const auto& r) { return !ids_.contains(r); })) continue;
      const BulkOutcome created = execute_(resolve_references(op, ids_));
      record(op, created);
      if (!created.error) {
        json ops = json::array();
        for (auto& [attr, elements] : taken) ops.push_back({{"op", "add"}, {"path", attr}, {"value", std::move(elements)}});
        deferred_.push_back({results_.size() - 1,
                             BulkOperation{"PATCH", "", op.path + "/" + created.id, std::nullopt,
                                           {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
                                            {"Operations", std::move(ops)}}}});
      }
      pending.erase(it);
      return true;
    }
    return false;
  }

  // The deferred members of a POST that broke a cycle: its result shows how
  // the resource ended up.
  void complete_deferred(const Deferred& d) {
    json& item = results_[d.result];
    for (const auto& ref : bulk_references(d.patch)) {
      if (!ids_.contains(ref)) {
        const Error e{409, "", "created, but its reference to bulkId '" + ref + "' could not be resolved"};
        item["status"] = std::to_string(e.status);
        item["response"] = e.to_json();
        return;
      }
    }
    const BulkOutcome patched = execute_(resolve_references(d.patch, ids_));
    if (patched.error) {
      item["status"] = std::to_string(patched.status);
      item["response"] = patched.error->to_json();
    } else {
      item["version"] = patched.version;
    }
  }

  const BulkRequest& request_;
  const BulkExecutor& execute_;
  std::set<std::string> defined_, failed_;
  std::map<std::string, std::string> ids_;
  std::vector<Deferred> deferred_;
  json results_ = json::array();
  size_t errors_ = 0;
};

}  // namespace

std::variant<BulkRequest, Error> parse_bulk_request(const json& body, size_t max_operations) {
  if (!body.is_object()) return Error{400, "invalidSyntax", "the request body must be a JSON object"};
  BulkRequest request;
  bool schema_ok = false;
  const json* operations = nullptr;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (iequals(it.key(), "schemas")) {
      schema_ok = it->is_array() && std::any_of(it->begin(), it->end(), [](const json& s) {
                    return s.is_string() && iequals(s.get_ref<const std::string&>(), kBulkRequestSchema);
                  });
    } else if (iequals(it.key(), "failOnErrors")) {
      if (!it->is_number_integer() || it->get<int64_t>() < 0) return invalid("'failOnErrors' must be a non-negative integer");
      request.fail_on_errors = it->get<size_t>();
    } else if (iequals(it.key(), "Operations")) {
      operations = &*it;
    }
  }
  if (!schema_ok) return Error{400, "invalidSyntax", std::string("'schemas' must list ") + kBulkRequestSchema};
  if (!operations || !operations->is_array()) return Error{400, "invalidSyntax", "'Operations' must be an array"};
  if (operations->size() > max_operations) {
    return Error{413, "tooMany",
                 "the request has " + std::to_string(operations->size()) + " operations; maxOperations is " +
                     std::to_string(max_operations)};
  }
  std::set<std::string> bulk_ids;
  for (size_t i = 0; i < operations->size(); ++i) {
    auto op = parse_operation((*operations)[i], i);
    if (auto* err = std::get_if<Error>(&op)) return *err;
    auto& parsed = std::get<BulkOperation>(op);
    if (!parsed.bulk_id.empty() && !bulk_ids.insert(parsed.bulk_id).second) {
      return invalid("bulkId '" + parsed.bulk_id + "' is used by more than one operation");
    }
    request.operations.push_back(std::move(parsed));
  }
  return request;
}

std::set<std::string> bulk_references(const BulkOperation& op) {
  std::set<std::string> out;
  collect_references(json(op.path.substr(op.path.rfind('/') + 1)), out);
  collect_references(op.data, out);
  return out;
}

BulkOperation resolve_references(BulkOperation op, const std::map<std::string, std::string>& ids) {
  if (const size_t slash = op.path.rfind('/'); slash != std::string::npos && slash > 0) {
    json tail = op.path.substr(slash + 1);
    replace_references(tail, ids);
    op.path = op.path.substr(0, slash + 1) + tail.get<std::string>();
  }
  replace_references(op.data, ids);
  return op;
}

json run_bulk(const BulkRequest& request, const BulkExecutor& execute) { return BulkRun(request, execute).run(); }

}  // namespace idb::scim
