#include "sgmc/models/model.hpp"

namespace sgmc::models {

std::size_t param_block::size() const {
  std::size_t n = 1;
  for (const std::size_t d : shape) n *= d;
  return n;
}

std::vector<param_block> model::param_layout() const { return {{"theta", {dim()}, 0}}; }

}  // namespace sgmc::models
