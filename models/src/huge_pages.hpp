#pragma once
// Transparent huge pages for large data sets: a minibatch gathers rows from all over the
// training set, and with 4 KiB pages nearly every row costs a TLB miss (a two-level page walk
// inside a VM). THP is in `madvise` mode on these machines, so ask for it.

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace sgmc::models::detail {

/// Advises the kernel to back [p, p + bytes) with huge pages. Call before first touching the
/// memory; does nothing for small buffers; failures are harmless and ignored.
inline void advise_huge_pages(void* p, std::size_t bytes) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  if (bytes < 4 * kHuge) return;
  const auto first = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const auto last = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace sgmc::models::detail
