#pragma once
// Phone numbers to E.164 ("+4930123456"). A deliberately small, predictable
// subset of numbering-plan knowledge, not libphonenumber:
//  - accepted characters: digits, one leading '+', and the separators
//    space - . ( ) / ; anything else (letters, "ext.", "x123") is an error;
//  - "+..." and "00..." (also "011..." in the North American plan) are
//    international: the digits are kept as they are;
//  - anything else is national in the default region: its trunk prefix is
//    dropped (the leading 0 in most of Europe and Asia; a leading 1 in North
//    America) and the region's country calling code put in front;
//  - the result must have 8 to 15 digits (E.164 allows at most 15), and 10
//    national digits in the North American plan.
// It does not check that a number is assigned, nor per-country lengths elsewhere.
#include <string>
#include <string_view>
#include <variant>

namespace idb::mapping::phone {

struct Region {
  std::string_view iso;           // ISO 3166-1 alpha-2, upper case
  std::string_view calling_code;  // without '+'
  std::string_view trunk_prefix;  // dropped from national numbers; empty when the plan keeps leading zeros
};

// The region for an ISO code (case-insensitive), or nullptr when it is not in the table.
const Region* find_region(std::string_view iso);
// The supported codes, comma-separated, for error messages.
std::string supported_regions();

struct Error {
  std::string message;
};
std::variant<std::string, Error> to_e164(std::string_view text, const Region& default_region);

}  // namespace idb::mapping::phone
