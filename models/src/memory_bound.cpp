#include "memory_bound.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace sgmc::models::detail {

std::uint64_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return std::uint64_t{1} << 40;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
}

std::string format_bytes(double bytes) {
  static const char* const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t u = 0;
  while (bytes >= 1024 && u + 1 < std::size(units)) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} bytes", bytes) : fmt::format("{:.1f} {}", bytes, units[u]);
}

expected<void> check_memory(double bytes, const std::string& what, errc code) {
  const auto memory = static_cast<double>(physical_memory());
  if (bytes <= memory) return {};
  return make_error(code, fmt::format("{} would need {}, more than the {} of memory of this host",
                                      what, format_bytes(bytes), format_bytes(memory)));
}

}  // namespace sgmc::models::detail
