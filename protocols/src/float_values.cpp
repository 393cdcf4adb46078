#include "sgmc/protocols/float_values.hpp"

#include "sgmc/core/assert.hpp"

#include <algorithm>
#include <cstring>

namespace sgmc::protocols {

std::atomic<std::uint64_t> float_values::copies_{0};

float_values float_values::adopt(const float* data, std::size_t n,
                                 std::shared_ptr<const void> owner) {
  SGMC_ASSERT(owner != nullptr, "float_values::adopt without an owner");
  SGMC_ASSERT(reinterpret_cast<std::uintptr_t>(data) % alignof(float) == 0,
              "float_values::adopt of a buffer not aligned to 4 bytes");
  float_values v;
  if (n == 0) return v;  // nothing to keep alive
  SGMC_ASSERT(data != nullptr, "float_values::adopt of a null buffer");
  v.owner_ = std::move(owner);
  v.ext_ = data;
  v.ext_n_ = n;
  return v;
}

void float_values::materialise() {
  // assign() from float pointers copies straight into fresh storage (no zero-fill pass).
  own_.assign(ext_, ext_ + ext_n_);
  drop();
  copies_.fetch_add(1, std::memory_order_relaxed);
}

bool operator==(const float_values& a, const float_values& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace sgmc::protocols
