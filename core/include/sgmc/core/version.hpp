#pragma once
// sgmc's version (CMake's PROJECT_VERSION, "0.1.0"): what `sgmc --version` prints and what a
// node says in its hello, so that nodes of different builds refuse each other by name.

namespace sgmc::core {

/// "MAJOR.MINOR.PATCH".
const char* version();

}  // namespace sgmc::core
