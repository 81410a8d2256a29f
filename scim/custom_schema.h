#pragma once
// The extension schemas declared under scim.extensions in the config, as the
// endpoint's schema catalog holds them.
#include <vector>

#include "config/config.h"
#include "scim/schema.h"

namespace idb::scim {

// The config has checked names, types and enums; this only translates.
std::vector<CustomExtension> custom_extensions(const std::vector<config::ScimExtension>& declared);

}  // namespace idb::scim
