#include "connectors/connector.h"

#include <unordered_map>

namespace idb::connectors {

const char* to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::retry: return "retry";
    case FailureKind::conflict: return "conflict";
    case FailureKind::permanent: return "permanent";
    case FailureKind::stop_target: return "stop_target";
  }
  return "unknown";
}

std::vector<Status> Connector::apply_all(std::span<const reconcile::Operation> ops) {
  std::vector<Status> out;
  out.reserve(ops.size());
  std::unordered_map<std::string, Failure> held;  // account key -> the failure holding it back
  for (const auto& op : ops) {
    if (auto h = held.find(op.key); h != held.end()) {
      out.push_back(h->second);
      continue;
    }
    out.push_back(apply(op));
    if (out.back()) continue;
    held.emplace(op.key, out.back().failure());
    if (op.kind == reconcile::Operation::Kind::rename) held.emplace(op.new_key, out.back().failure());
  }
  return out;
}

}  // namespace idb::connectors
