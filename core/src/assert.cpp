#include "sgmc/core/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace sgmc::detail {

void assertion_failed(const char* expr, const char* msg, const char* file, int line) {
  std::fprintf(stderr, "sgmc: internal error at %s:%d: %s (%s)\n", file, line, msg, expr);
  std::abort();
}

}  // namespace sgmc::detail
