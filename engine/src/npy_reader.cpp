#include "sgmc/engine/npy_reader.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace sgmc::engine {
namespace {

constexpr std::size_t kMaxHeader = 65536;  // numpy itself refuses longer headers by default

unexpected bad(const std::filesystem::path& path, const std::string& what) {
  return make_error(errc::invalid_data, fmt::format("{}: {}", path.string(), what));
}

struct npy_header {
  std::string descr;
  std::vector<std::uint64_t> shape;
  std::uint64_t data_offset = 0;
  std::uint64_t file_bytes = 0;
};

// The value of 'key' in the header dict: a quoted string, a bracketed list or a tuple.
std::optional<std::string> dict_value(std::string_view dict, std::string_view key) {
  const auto k = dict.find(fmt::format("'{}':", key));
  if (k == std::string_view::npos) return std::nullopt;
  auto p = dict.find_first_not_of(' ', k + key.size() + 3);
  if (p == std::string_view::npos) return std::nullopt;
  const char open = dict[p];
  const char close = open == '\'' ? '\'' : open == '[' ? ']' : open == '(' ? ')' : ',';
  const auto end = dict.find(close, p + 1);
  if (end == std::string_view::npos) return std::nullopt;
  if (close == ',') return std::string(dict.substr(p, end - p));
  return std::string(dict.substr(p, end - p + 1));
}

std::optional<std::vector<std::uint64_t>> parse_shape(const std::string& text) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return std::nullopt;
  std::vector<std::uint64_t> shape;
  std::string_view rest(text.data() + 1, text.size() - 2);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      std::uint64_t v = 0;
      for (char c : item) {
        if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
      }
      shape.push_back(v);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return shape;
}

expected<npy_header> read_header(const std::filesystem::path& path, std::ifstream& in) {
  unsigned char pre[12] = {};
  in.read(reinterpret_cast<char*>(pre), 10);
  if (in.gcount() < 10 || std::memcmp(pre, "\x93NUMPY", 6) != 0)
    return bad(path, "not an .npy file (bad magic)");
  std::uint64_t len = 0;
  std::uint64_t pre_bytes = 10;
  if (pre[6] == 1) {
    len = pre[8] | (std::uint64_t{pre[9]} << 8);
  } else if (pre[6] == 2 || pre[6] == 3) {
    in.read(reinterpret_cast<char*>(pre + 10), 2);
    if (in.gcount() < 2) return bad(path, "truncated header");
    len = pre[8] | (std::uint64_t{pre[9]} << 8) | (std::uint64_t{pre[10]} << 16) |
          (std::uint64_t{pre[11]} << 24);
    pre_bytes = 12;
  } else {
    return bad(path, fmt::format("unknown .npy format version {}.{}", pre[6], pre[7]));
  }
  if (len > kMaxHeader) return bad(path, fmt::format("header of {} bytes is too long", len));
  std::string dict(len, '\0');
  in.read(dict.data(), static_cast<std::streamsize>(len));
  if (static_cast<std::uint64_t>(in.gcount()) < len) return bad(path, "truncated header");
  npy_header h;
  h.data_offset = pre_bytes + len;
  const auto descr = dict_value(dict, "descr");
  const auto order = dict_value(dict, "fortran_order");
  const auto shape_text = dict_value(dict, "shape");
  if (!descr || !order || !shape_text) return bad(path, "malformed header dict");
  if (*order != "False") return bad(path, "Fortran order is not supported");
  auto shape = parse_shape(*shape_text);
  if (!shape) return bad(path, "malformed shape " + *shape_text);
  h.descr = *descr;
  h.shape = std::move(*shape);
  std::error_code ec;
  h.file_bytes = std::filesystem::file_size(path, ec);
  if (ec) return bad(path, ec.message());
  return h;
}

// Reads rows × row_bytes of data after the header, checking the file holds them.
expected<std::vector<unsigned char>> read_data(const std::filesystem::path& path, std::ifstream& in,
                                               const npy_header& h, std::uint64_t rows,
                                               std::uint64_t row_bytes) {
  const std::uint64_t available = h.file_bytes - std::min(h.file_bytes, h.data_offset);
  if (row_bytes != 0 && rows > available / row_bytes)
    return bad(path, fmt::format("header announces {} rows of {} bytes, the file holds {} bytes",
                                 rows, row_bytes, available));
  std::vector<unsigned char> data(rows * row_bytes);
  in.seekg(static_cast<std::streamoff>(h.data_offset));
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (static_cast<std::uint64_t>(in.gcount()) != data.size())
    return bad(path, "read fewer bytes than the file size promised");
  return data;
}

expected<std::ifstream> open(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::io,
                      fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  return in;
}

}  // namespace

expected<npy_matrix> read_npy_f32(const std::filesystem::path& path) {
  auto in = open(path);
  if (!in) return unexpected(in.error());
  auto h = read_header(path, *in);
  if (!h) return unexpected(h.error());
  if (h->descr != "'<f4'") return bad(path, "dtype " + h->descr + ", expected '<f4'");
  if (h->shape.size() != 2)
    return bad(path, fmt::format("{} dimensions, expected 2 (draws, dim)", h->shape.size()));
  npy_matrix m;
  m.rows = h->shape[0];
  m.cols = h->shape[1];
  if (m.cols > UINT64_MAX / sizeof(float)) return bad(path, "row too long");
  auto data = read_data(path, *in, *h, m.rows, m.cols * sizeof(float));
  if (!data) return unexpected(data.error());
  m.values.resize(m.rows * m.cols);
  if (!data->empty()) std::memcpy(m.values.data(), data->data(), data->size());
  return m;
}

expected<std::vector<draw_stats>> read_draw_stats(const std::filesystem::path& path) {
  auto in = open(path);
  if (!in) return unexpected(in.error());
  auto h = read_header(path, *in);
  if (!h) return unexpected(h.error());
  if (h->descr != k_draw_stats_descr)
    return bad(path, "dtype " + h->descr + ", expected " + k_draw_stats_descr);
  if (h->shape.size() != 1)
    return bad(path, fmt::format("{} dimensions, expected 1 (draws)", h->shape.size()));
  auto data = read_data(path, *in, *h, h->shape[0], k_draw_stats_bytes);
  if (!data) return unexpected(data.error());
  std::vector<draw_stats> out(h->shape[0]);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = decode_draw_stats(data->data() + i * k_draw_stats_bytes);
  return out;
}

std::filesystem::path draw_stats_path(const std::filesystem::path& samples_path) {
  auto p = samples_path;
  p.replace_extension(".stats.npy");
  return p;
}

}  // namespace sgmc::engine
