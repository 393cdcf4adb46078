// libFuzzer target: the CAF decoders of every message that crosses processes (wire.cpp,
// remote_message.hpp). Input: byte 0 picks the message, byte 1 a valid encoding of it
// (decoders.hpp) and byte 2 the mode: even, the rest of the input is XORed onto the valid
// encoding (cut or extended to the input's length), so the fuzzer works near valid messages;
// odd, the rest is decoded as it is. A violation aborts (decoders.hpp says what is checked).
#include "decoders.hpp"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = sgmc::test::fuzz;
  if (size < 3) return 0;
  const std::size_t k = data[0] % fz::kMessages;
  fz::bytes in(reinterpret_cast<const char*>(data) + 3, reinterpret_cast<const char*>(data) + size);
  if (data[2] % 2 == 0) {
    auto base = fz::seed(k, data[1] % 6);
    base.resize(in.size(), 0);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<char>(base[i] ^ in[i]);
  }
  const auto o = fz::decode(k, in.data(), in.size());
  if (!o.violation.empty()) {
    std::fprintf(stderr, "%s: %s\n", fz::kMessageNames[k], o.violation.c_str());
    std::abort();
  }
  return 0;
}
