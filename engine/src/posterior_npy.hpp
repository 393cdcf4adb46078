#pragma once
// A stand-in for engine/npy_reader.hpp until it lands: reads the float32 [rows, cols] draws
// and the structured per-draw statistics that the output writer writes (docs/outputs.md).
#include "sgmc/core/error.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace sgmc::engine::detail {

struct npy_file {
  std::string descr;
  std::vector<std::uint64_t> shape;
  std::string data;
};

inline expected<npy_file> read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::io, fmt::format("{}: cannot open", path));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0 || bytes[6] != 1)
    return make_error(errc::invalid_data, fmt::format("{}: not a .npy file of version 1", path));
  const std::size_t hlen = static_cast<unsigned char>(bytes[8]) |
                           (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  if (bytes.size() < 10 + hlen)
    return make_error(errc::invalid_data, fmt::format("{}: truncated header", path));
  const std::string header = bytes.substr(10, hlen);
  static const std::regex descr_re(R"('descr':\s*('[^']*'|\[.*\]),)");
  static const std::regex shape_re(R"('shape':\s*\(([0-9, ]*)\))");
  std::smatch m;
  npy_file f;
  if (!std::regex_search(header, m, descr_re) ||
      header.find("'fortran_order': False") == std::string::npos)
    return make_error(errc::invalid_data, fmt::format("{}: unexpected .npy header", path));
  f.descr = m[1].str();
  if (!std::regex_search(header, m, shape_re))
    return make_error(errc::invalid_data, fmt::format("{}: no shape in the header", path));
  const std::string dims = m[1].str();
  for (std::size_t i = 0; i < dims.size();) {
    const std::size_t j = dims.find(',', i);
    const std::string d = dims.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (d.find_first_not_of(' ') != std::string::npos) f.shape.push_back(std::stoull(d));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  f.data = bytes.substr(10 + hlen);
  return f;
}

}  // namespace sgmc::engine::detail
