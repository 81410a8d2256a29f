#pragma once
// SCIM Bulk (RFC 7644 §3.7) without I/O: the BulkRequest checked, the order
// its operations can run in given their bulkId cross-references, and the
// BulkResponse. Each operation is handed, its references resolved, to an
// executor the endpoint supplies; the executor makes it durable before it
// returns.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "scim/error.h"

namespace idb::scim {

inline constexpr const char* kBulkRequestSchema = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
inline constexpr const char* kBulkResponseSchema = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

struct BulkOperation {
  std::string method;                  // POST PUT PATCH DELETE
  std::string bulk_id;                 // required for POST, optional otherwise
  std::string path;                    // "/Users" for POST, "/Users/<id or bulkId:x>" otherwise
  std::optional<std::string> version;  // an ETag the resource must still have (If-Match)
  nlohmann::json data;                 // the body (null for DELETE)
};

struct BulkRequest {
  size_t fail_on_errors = 0;  // stop after this many failed operations; 0 = never stop
  std::vector<BulkOperation> operations;
};

// Checks the request's shape (schemas, methods, paths, data, bulkIds unique).
// More than `max_operations` operations is 413 tooMany, as RFC 7644 §3.7.4
// asks; the payload size is checked before parsing by the caller.
std::variant<BulkRequest, Error> parse_bulk_request(const nlohmann::json& body, size_t max_operations);

// The bulkIds an operation refers to: every "bulkId:<id>" string in its path
// and anywhere in its data.
std::set<std::string> bulk_references(const BulkOperation& op);

// `op` with every "bulkId:<id>" replaced by the id its POST created.
BulkOperation resolve_references(BulkOperation op, const std::map<std::string, std::string>& ids);

// What running one operation gave.
struct BulkOutcome {
  int status = 0;        // 200 201 204, or the error's status
  std::string id;        // the resource's id, when it exists after the operation
  std::string location;  // its URL
  std::string version;   // its ETag
  std::optional<Error> error;

  static BulkOutcome failed(Error e) {
    const int status = e.status;
    return BulkOutcome{status, "", "", "", std::move(e)};
  }
};

using BulkExecutor = std::function<BulkOutcome(const BulkOperation& resolved)>;

// Runs the request's operations and returns the BulkResponse body. An
// operation runs once every bulkId it refers to was created; one that refers
// to a bulkId no POST in the request defines fails with 400 invalidValue, one
// whose referenced POST failed, or that is part of a reference cycle, with
// 409. Operations are listed in the order they ran; after `fail_on_errors`
// failures the rest are not run and not listed.
nlohmann::json run_bulk(const BulkRequest& request, const BulkExecutor& execute);

}  // namespace idb::scim
