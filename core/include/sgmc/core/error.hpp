#pragma once
// Errors as values. Anything a user or a peer can cause (a bad config value, a malformed file,
// a dimension mismatch, a non-finite gradient) is reported as an `sgmc::error` inside an
// `sgmc::expected<T>`; broken invariants abort through SGMC_ASSERT instead (see assert.hpp).

#include <string>
#include <utility>
#include <variant>

namespace sgmc {

/// What kind of thing went wrong; the message says which input and why.
enum class errc {
  invalid_config,      ///< a config key is unknown, of the wrong type or out of range
  invalid_argument,    ///< a command-line argument or API argument is wrong
  io,                  ///< a file could not be opened, read or written
  invalid_data,        ///< a data file is malformed
  dimension_mismatch,  ///< shapes that must agree do not
  diverged,            ///< a chain turned non-finite
  protocol,            ///< a peer sent something that breaks the protocol
  timeout,             ///< a peer did not answer in time
};

/// A one-line, user-facing description of a failure.
struct error {
  errc code = errc::invalid_argument;
  std::string message;
};

/// Marker used to construct an expected<T> holding an error: `return unexpected(err);`.
struct unexpected {
  error err;
  explicit unexpected(error e) : err(std::move(e)) {}
  unexpected(errc code, std::string message) : err{code, std::move(message)} {}
};

/// A value of type T or an error (libstdc++ 12 has no std::expected).
template <class T>
class [[nodiscard]] expected {
 public:
  expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  expected(unexpected u) : state_(std::in_place_index<1>, std::move(u.err)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const sgmc::error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, sgmc::error> state_;
};

/// Success or an error, with no value.
template <>
class [[nodiscard]] expected<void> {
 public:
  expected() = default;
  expected(unexpected u) : err_(std::move(u.err)), ok_(false) {}

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const sgmc::error& error() const { return err_; }

 private:
  sgmc::error err_;
  bool ok_ = true;
};

/// Shorthand for `unexpected(errc, message)`.
inline unexpected make_error(errc code, std::string message) {
  return unexpected(code, std::move(message));
}

}  // namespace sgmc
