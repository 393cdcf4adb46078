#pragma once
// The floats of a payload (messages.hpp): either a std::vector<float> of its own, or a
// read-only buffer it adopted from whoever received it — a node's data channel hands over
// ZeroMQ's message as it arrived instead of copying 4 MB into a vector (docs/cluster.md, "How
// payloads travel"). The buffer's owner is type-erased (a shared_ptr<const void>), so nothing
// here knows ZeroMQ; copies of an adopted float_values share the buffer, which stays immutable.
//
// Reading never copies: size(), data(), begin()/end(), operator[] and span() see whichever
// storage is there. Writing goes through vec() (or assign()), which first copies an adopted
// buffer into the vector of its own: such copies are counted process-wide (copies()), so that
// tests can pin the receive path to zero copies. Adopted buffers are aligned to 4 bytes, no
// more (ZeroMQ's message data is not 64-byte aligned): readers must use unaligned loads.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace sgmc::protocols {

class float_values {
 public:
  using value_type = float;
  using const_iterator = const float*;

  float_values() = default;
  /// Owns `v` (implicit, so that a vector is a payload's floats as before).
  float_values(std::vector<float> v) noexcept : own_(std::move(v)) {}  // NOLINT
  float_values(std::initializer_list<float> v) : own_(v) {}
  template <std::input_iterator It>
  float_values(It first, It last) : own_(first, last) {}

  /// Adopts the `n` floats at `data` (4-byte aligned, asserted), which stay valid and unchanged
  /// as long as `owner` lives; every copy of the result keeps `owner`.
  static float_values adopt(const float* data, std::size_t n, std::shared_ptr<const void> owner);

  float_values(const float_values&) = default;
  float_values& operator=(const float_values&) = default;
  float_values(float_values&& o) noexcept
      : own_(std::move(o.own_)),
        owner_(std::move(o.owner_)),
        ext_(std::exchange(o.ext_, nullptr)),
        ext_n_(std::exchange(o.ext_n_, 0)) {
    o.own_.clear();
  }
  float_values& operator=(float_values&& o) noexcept {
    if (this != &o) {
      own_ = std::move(o.own_);
      o.own_.clear();
      owner_ = std::move(o.owner_);
      ext_ = std::exchange(o.ext_, nullptr);
      ext_n_ = std::exchange(o.ext_n_, 0);
    }
    return *this;
  }

  /// True when the floats are an adopted buffer (not a vector of this object's own).
  bool adopted() const { return ext_ != nullptr; }
  std::size_t size() const { return adopted() ? ext_n_ : own_.size(); }
  bool empty() const { return size() == 0; }
  const float* data() const { return adopted() ? ext_ : own_.data(); }
  const float* begin() const { return data(); }
  const float* end() const { return data() + size(); }
  float operator[](std::size_t i) const { return data()[i]; }
  std::span<const float> span() const { return {data(), size()}; }
  operator std::span<const float>() const { return span(); }  // NOLINT

  /// The vector of this object's own, for writing: an adopted buffer is copied into it first
  /// (and counted in copies()).
  std::vector<float>& vec() {
    if (adopted()) materialise();
    return own_;
  }
  /// The floats as a vector, moved out when owned, copied when adopted; *this is empty after.
  std::vector<float> release() && {
    if (adopted()) materialise();
    auto v = std::move(own_);
    own_.clear();
    return v;
  }
  void assign(std::size_t n, float value) {
    drop();
    own_.assign(n, value);
  }
  template <std::input_iterator It>
  void assign(It first, It last) {
    float_values keep = std::move(*this);  // `first` may point into the adopted buffer
    own_.assign(first, last);
  }
  void clear() {
    drop();
    own_.clear();
  }

  /// How many adopted buffers this process has copied into vectors (vec(), release()).
  static std::uint64_t copies() { return copies_.load(std::memory_order_relaxed); }

  friend bool operator==(const float_values& a, const float_values& b);

 private:
  void materialise();
  void drop() {
    owner_.reset();
    ext_ = nullptr;
    ext_n_ = 0;
  }

  std::vector<float> own_;
  std::shared_ptr<const void> owner_;  ///< keeps the adopted buffer alive
  const float* ext_ = nullptr;         ///< the adopted buffer, or null
  std::size_t ext_n_ = 0;
  static std::atomic<std::uint64_t> copies_;
};

}  // namespace sgmc::protocols
