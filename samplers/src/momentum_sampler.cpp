#include "sgmc/samplers/momentum_sampler.hpp"

#include "sgmc/core/assert.hpp"

namespace sgmc::samplers {

momentum_sampler::momentum_sampler(std::size_t dim, double friction, double temperature,
                                   std::string name)
    : dim_(dim), friction_(friction), temperature_(temperature), name_(std::move(name)), v_(dim) {
  SGMC_ASSERT(temperature >= 0.0, "momentum sampler: temperature must be >= 0");
}

}  // namespace sgmc::samplers
