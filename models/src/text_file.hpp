#pragma once
// The whole of a gzip-or-plain text file (CSV, LIBSVM) as a string, read with bounds: a line
// longer than k_max_line_bytes (e.g. /dev/zero, or a binary file: no line end) or a file larger
// than half the memory of this host stops the read with an error naming the file.

#include "sgmc/core/error.hpp"

#include <cstddef>
#include <string>

namespace sgmc::models::detail {

/// Longest line accepted: 64 MiB (a million features of 64 characters each).
inline constexpr std::size_t k_max_line_bytes = std::size_t{64} << 20;

/// errc::io when the file cannot be opened; errc::invalid_data for corrupt gzip data, a line
/// longer than `max_line` bytes or more text than half of physical_memory().
expected<std::string> read_text_file(const std::string& path,
                                     std::size_t max_line = k_max_line_bytes);

}  // namespace sgmc::models::detail
