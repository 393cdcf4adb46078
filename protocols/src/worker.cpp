#include "sgmc/protocols/worker.hpp"

#include "coded.hpp"
#include "downpour_worker.hpp"
#include "elastic_worker.hpp"
#include "gradient_worker.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

namespace sgmc::protocols {
namespace {

expected<void> check_kernel(const worker_setup& s) {
  const auto k = s.protocol.kind;
  if (k != protocol_kind::downpour && k != protocol_kind::elastic) return {};
  if (!s.kernel)
    return make_error(errc::invalid_argument,
                      fmt::format("{} worker {}: no local sampler kernel", to_string(k), s.id));
  if (s.kernel->dim() != s.dim)
    return make_error(errc::dimension_mismatch,
                      fmt::format("{} worker {}: the kernel was made for dim {}, θ has {}",
                                  to_string(k), s.id, s.kernel->dim(), s.dim));
  return {};
}

expected<void> check_setup(const worker_setup& s) {
  if (auto ok = validate(s.protocol, s.dim); !ok) return ok;
  if (auto ok = validate(s.run); !ok) return ok;
  if (s.id >= s.protocol.workers)
    return make_error(
        errc::invalid_argument,
        fmt::format("worker {} does not exist (protocol.workers = {})", s.id, s.protocol.workers));
  if (s.source == nullptr)
    return make_error(errc::invalid_argument, fmt::format("worker {}: no gradient source", s.id));
  if (s.source->dim() != s.dim || s.theta0.size() != s.dim)
    return make_error(errc::dimension_mismatch,
                      fmt::format("worker {}: dim is {}, the target's dim {}, the initial θ has {} "
                                  "values",
                                  s.id, s.dim, s.source->dim(), s.theta0.size()));
  for (std::size_t i = 0; i < s.dim; ++i)
    if (!std::isfinite(s.theta0[i]))
      return make_error(errc::invalid_argument,
                        fmt::format("worker {}: the initial θ[{}] is {}", s.id, i, s.theta0[i]));
  const std::string who = fmt::format("worker {}", s.id);
  if (auto e =
          samplers::minibatcher::check(s.source->data_size(), s.batch_size, s.rows, who.c_str()))
    return unexpected(*e);
  return check_kernel(s);
}

}  // namespace

expected<std::unique_ptr<worker>> make_worker(worker_setup setup) {
  if (auto ok = check_setup(setup); !ok) return unexpected(ok.error());
  const auto protocol = setup.protocol;
  const auto run = setup.run;
  const auto dim = setup.dim;
  std::unique_ptr<worker> w;
  switch (setup.protocol.kind) {
    case protocol_kind::sync:
    case protocol_kind::async:
    case protocol_kind::ssp:
      w = std::make_unique<detail::gradient_worker>(std::move(setup));
      break;
    case protocol_kind::downpour:
      w = std::make_unique<detail::downpour_worker>(std::move(setup));
      break;
    case protocol_kind::elastic:
      w = std::make_unique<detail::elastic_worker>(std::move(setup));
      break;
    case protocol_kind::none:  // rejected by check_setup
      break;
  }
  if (w && protocol.codec.active()) w = detail::coded(std::move(w), protocol, run, dim);
  return w;
}

}  // namespace sgmc::protocols
