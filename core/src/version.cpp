#include "sgmc/core/version.hpp"

namespace sgmc::core {

const char* version() { return SGMC_VERSION; }

}  // namespace sgmc::core
