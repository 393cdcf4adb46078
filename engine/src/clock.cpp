#include "sgmc/engine/clock.hpp"

namespace sgmc::engine {

double steady_run_clock::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace sgmc::engine
