#pragma once
// SGMC_ASSERT: a broken invariant of sgmc's own code aborts with file and line, in every build.
// Never use it for input a user or a peer controls: return an sgmc::error instead.

namespace sgmc::detail {
[[noreturn]] void assertion_failed(const char* expr, const char* msg, const char* file, int line);
}  // namespace sgmc::detail

#define SGMC_ASSERT(cond, msg)                                            \
  do {                                                                    \
    if (!(cond)) [[unlikely]]                                             \
      ::sgmc::detail::assertion_failed(#cond, (msg), __FILE__, __LINE__); \
  } while (false)
