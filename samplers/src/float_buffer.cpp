#include "sgmc/samplers/float_buffer.hpp"

#include "sgmc/core/assert.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace sgmc::samplers {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kCacheLine = 64;

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

float* allocate(std::size_t n) {
  if (n == 0) return nullptr;
  const std::size_t bytes = n * sizeof(float);
  const std::size_t align = bytes >= kHugePage ? kHugePage : kCacheLine;
  void* p = std::aligned_alloc(align, round_up(bytes, align));
  if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__)
  // Advice only: failure (THP off, old kernel) leaves ordinary pages.
  if (align == kHugePage) (void)madvise(p, round_up(bytes, align), MADV_HUGEPAGE);
#endif
  return static_cast<float*>(p);
}

}  // namespace

void float_buffer::release::operator()(float* p) const { std::free(p); }

float_buffer::float_buffer(std::size_t n, float value) : data_(allocate(n)), size_(n) {
  fill(value);
}

float_buffer::float_buffer(const float_buffer& other)
    : data_(allocate(other.size_)), size_(other.size_) {
  std::copy_n(other.data(), size_, data());
}

float_buffer& float_buffer::operator=(const float_buffer& other) {
  if (this != &other) *this = float_buffer(other);
  return *this;
}

void float_buffer::fill(float value) { std::fill_n(data(), size_, value); }

void float_buffer::assign(std::span<const float> values) {
  SGMC_ASSERT(values.size() == size_, "float_buffer::assign: length mismatch");
  std::copy(values.begin(), values.end(), data());
}

}  // namespace sgmc::samplers
