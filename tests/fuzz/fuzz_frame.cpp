// libFuzzer target: the data channel's frame check (actors/src/data_frame.hpp). Input: byte 0
// picks the part count (0-3) and byte 1 the cap in floats (1-256); the rest is the message, its
// first 32 bytes the header part. A violation aborts.
#include "decoders.hpp"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = sgmc::test::fuzz;
  if (size < 2) return 0;
  const std::size_t parts = data[0] % 4;
  const std::uint64_t cap = 1 + data[1];
  const auto o =
      fz::check_frame_bytes(reinterpret_cast<const char*>(data) + 2, size - 2, parts, cap);
  if (!o.violation.empty()) {
    std::fprintf(stderr, "frame: %s\n", o.violation.c_str());
    std::abort();
  }
  return 0;
}
