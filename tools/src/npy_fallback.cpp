#include "npy_fallback.hpp"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

namespace sgmc::tools::detail {

namespace {

struct npy_file {
  std::string header;
  std::string data;
};

unexpected bad(const std::filesystem::path& p, const std::string& why) {
  return make_error(errc::invalid_data,
                    fmt::format("{}: not a valid .npy file ({})", p.string(), why));
}

expected<npy_file> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(errc::io, fmt::format("{}: cannot open", p.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) return bad(p, "no magic");
  if (bytes[6] != 1) return bad(p, "version is not 1.0");
  const std::size_t len = static_cast<unsigned char>(bytes[8]) |
                          (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  if (bytes.size() < 10 + len) return bad(p, "header cut short");
  return npy_file{bytes.substr(10, len), bytes.substr(10 + len)};
}

// (rows, cols) or (rows,) from the header's shape.
bool parse_shape(const std::string& header, std::uint64_t& rows, std::uint64_t& cols, bool two) {
  const auto at = header.find("'shape': (");
  if (at == std::string::npos) return false;
  const char* p = header.c_str() + at + 10;
  char* end = nullptr;
  rows = std::strtoull(p, &end, 10);
  if (end == p) return false;
  if (!two) return true;
  if (*end != ',') return false;
  p = end + 1;
  cols = std::strtoull(p, &end, 10);
  return end != p;
}

}  // namespace

expected<npy_matrix> read_npy_f32(const std::filesystem::path& path) {
  auto f = read_file(path);
  if (!f) return unexpected(f.error());
  if (f->header.find("'descr': '<f4'") == std::string::npos) return bad(path, "not float32");
  if (f->header.find("'fortran_order': False") == std::string::npos)
    return bad(path, "not C order");
  npy_matrix m;
  if (!parse_shape(f->header, m.rows, m.cols, true)) return bad(path, "no 2-D shape");
  if (m.cols == 0 || m.rows > f->data.size() / 4 / m.cols)
    return bad(path, "fewer bytes than the shape says");
  m.values.resize(m.rows * m.cols);
  std::memcpy(m.values.data(), f->data.data(), m.values.size() * sizeof(float));
  return m;
}

expected<std::vector<draw_stats>> read_draw_stats(const std::filesystem::path& path) {
  auto f = read_file(path);
  if (!f) return unexpected(f.error());
  if (f->header.find("('step', '<u8'), ('potential', '<f8'), ('step_size', '<f8'), "
                     "('staleness', '<i8')") == std::string::npos)
    return bad(path, "not the per-draw stats dtype");
  std::uint64_t rows = 0, cols = 0;
  if (!parse_shape(f->header, rows, cols, false)) return bad(path, "no shape");
  if (rows > f->data.size() / 32) return bad(path, "fewer bytes than the shape says");
  std::vector<draw_stats> out(rows);
  for (std::uint64_t i = 0; i < rows; ++i) {
    const char* r = f->data.data() + i * 32;
    std::memcpy(&out[i].step, r, 8);
    std::memcpy(&out[i].potential, r + 8, 8);
    std::memcpy(&out[i].step_size, r + 16, 8);
    std::memcpy(&out[i].staleness, r + 24, 8);
  }
  return out;
}

}  // namespace sgmc::tools::detail
