#pragma once
// A flat float vector for the kernels' hot data (θ, ∇Û, momentum, preconditioner): 64-byte
// aligned, and — when at least 2 MB — placed in 2 MB-aligned memory advised for transparent
// huge pages (Linux madvise(MADV_HUGEPAGE), before the first touch). Streaming kernels over
// tens of MB otherwise take a TLB miss every 4 KB, which inside a VM (nested page tables)
// costs a good part of the SGLD update's throughput (docs/PERFORMANCE.md); where THP is off the
// advice is a no-op.

#include <cstddef>
#include <memory>
#include <span>

namespace sgmc::samplers {

class float_buffer {
 public:
  float_buffer() = default;
  /// n values, all equal to `value`.
  explicit float_buffer(std::size_t n, float value = 0.0f);
  float_buffer(const float_buffer& other);
  float_buffer& operator=(const float_buffer& other);
  float_buffer(float_buffer&&) noexcept = default;
  float_buffer& operator=(float_buffer&&) noexcept = default;

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::span<float> span() { return {data_.get(), size_}; }
  std::span<const float> span() const { return {data_.get(), size_}; }
  float& operator[](std::size_t i) { return data_[i]; }
  float operator[](std::size_t i) const { return data_[i]; }

  void fill(float value);
  void assign(std::span<const float> values);  ///< values.size() == size() (asserted)

 private:
  struct release {
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], release> data_;
  std::size_t size_ = 0;
};

}  // namespace sgmc::samplers
