#include "sgmc/core/error.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

sgmc::expected<int> parse_positive(int x) {
  if (x <= 0) return sgmc::make_error(sgmc::errc::invalid_argument, "x must be positive");
  return x;
}

}  // namespace

TEST_CASE("expected holds either a value or an error", "[core]") {
  auto ok = parse_positive(3);
  REQUIRE(ok);
  CHECK(*ok == 3);
  auto bad = parse_positive(-1);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == sgmc::errc::invalid_argument);
  CHECK(bad.error().message == "x must be positive");
}

TEST_CASE("expected<void> reports success and failure", "[core]") {
  sgmc::expected<void> ok;
  CHECK(ok);
  sgmc::expected<void> bad = sgmc::make_error(sgmc::errc::io, "cannot open f");
  CHECK_FALSE(bad);
  CHECK(bad.error().code == sgmc::errc::io);
}
