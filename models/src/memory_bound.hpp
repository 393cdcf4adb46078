#pragma once
// Size checks made before allocating: a size from a config key or a data file that would not
// fit in the memory of this host is an error naming the input, not a std::bad_alloc.

#include "sgmc/core/error.hpp"

#include <cstdint>
#include <string>

namespace sgmc::models::detail {

/// Bytes of physical memory of this host (sysconf); 2^40 when unknown.
std::uint64_t physical_memory();

/// "1.5 GiB": bytes in the largest binary unit that keeps the number >= 1.
std::string format_bytes(double bytes);

/// An error (`code`) "`what` would need <bytes>, more than the <memory> of memory of this
/// host" when `bytes` exceeds physical_memory(). `bytes` is a double so that products of
/// sizes cannot overflow.
expected<void> check_memory(double bytes, const std::string& what, errc code);

}  // namespace sgmc::models::detail
