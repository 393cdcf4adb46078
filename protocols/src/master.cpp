#include "sgmc/protocols/master.hpp"

#include "async_master.hpp"
#include "coded.hpp"
#include "downpour_master.hpp"
#include "elastic_master.hpp"
#include "ssp_master.hpp"
#include "sync_master.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

namespace sgmc::protocols {
namespace {

expected<void> check_setup(const master_setup& s) {
  if (auto ok = validate(s.protocol, s.dim); !ok) return ok;
  if (auto ok = validate(s.run); !ok) return ok;
  if (s.shard >= s.protocol.shards)
    return make_error(errc::invalid_argument,
                      fmt::format("master shard {} does not exist (protocol.shards = {})", s.shard,
                                  s.protocol.shards));
  if (s.theta0.size() != s.dim)
    return make_error(errc::dimension_mismatch,
                      fmt::format("master shard {}: the initial θ has {} values, dim is {}",
                                  s.shard, s.theta0.size(), s.dim));
  for (std::size_t i = 0; i < s.dim; ++i)
    if (!std::isfinite(s.theta0[i]))
      return make_error(errc::invalid_argument, fmt::format("master shard {}: the initial θ[{}] "
                                                            "is {}",
                                                            s.shard, i, s.theta0[i]));
  const auto k = s.protocol.kind;
  if (k == protocol_kind::sync || k == protocol_kind::async || k == protocol_kind::ssp) {
    const std::size_t n = shard_slice(s.dim, s.protocol.shards, s.shard).size;
    if (!s.kernel)
      return make_error(errc::invalid_argument, fmt::format("{} master shard {}: no sampler kernel",
                                                            to_string(k), s.shard));
    if (s.kernel->dim() != n)
      return make_error(errc::dimension_mismatch,
                        fmt::format("{} master shard {}: the kernel was made for dim {}, the "
                                    "shard owns {} values",
                                    to_string(k), s.shard, s.kernel->dim(), n));
  }
  return {};
}

}  // namespace

expected<std::unique_ptr<master>> make_master(master_setup setup) {
  if (auto ok = check_setup(setup); !ok) return unexpected(ok.error());
  const auto protocol = setup.protocol;
  const auto run = setup.run;
  const auto shard = setup.shard;
  std::unique_ptr<master> m;
  switch (setup.protocol.kind) {
    case protocol_kind::sync:
      m = std::make_unique<detail::sync_master>(std::move(setup));
      break;
    case protocol_kind::async:
      m = std::make_unique<detail::async_master>(std::move(setup));
      break;
    case protocol_kind::ssp:
      m = std::make_unique<detail::ssp_master>(std::move(setup));
      break;
    case protocol_kind::downpour:
      m = std::make_unique<detail::downpour_master>(std::move(setup));
      break;
    case protocol_kind::elastic:
      m = std::make_unique<detail::elastic_master>(std::move(setup));
      break;
    case protocol_kind::none:  // rejected by check_setup
      break;
  }
  if (m && protocol.codec.active()) m = detail::coded(std::move(m), protocol, run, shard);
  return m;
}

}  // namespace sgmc::protocols
