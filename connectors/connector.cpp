#include "connectors/connector.h"

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

}  // namespace idb::connectors
