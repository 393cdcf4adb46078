// IDX reader (LeCun's MNIST format): magic 00 00 <type> <rank>, then <rank> big-endian uint32
// dimensions, then the elements in row-major order. Only type 0x08 (unsigned byte) is used by
// the MNIST family and only it is accepted.
#include "sgmc/models/loaders.hpp"

#include "gz_reader.hpp"
#include "huge_pages.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace sgmc::models {
namespace {

constexpr unsigned char kUnsignedByte = 0x08;
// Refuse absurd headers before allocating: at most 2^36 bytes of payload.
constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 36;

// The dimensions and a view of the payload inside the (inflated) file it keeps.
struct idx_array {
  std::vector<std::uint64_t> dims;
  detail::gz_reader file;
  const unsigned char* bytes = nullptr;
  std::size_t count = 0;
};

expected<std::vector<std::uint64_t>> read_header(detail::gz_reader& in, std::size_t min_rank,
                                                 std::size_t max_rank) {
  std::array<unsigned char, 4> magic{};
  if (auto ok = in.read_exact(magic.data(), 4, "IDX magic"); !ok) return unexpected(ok.error());
  if (magic[0] != 0 || magic[1] != 0)
    return make_error(errc::invalid_data,
                      fmt::format("{}: not an IDX file (magic {:02x} {:02x} {:02x} {:02x})",
                                  in.path(), magic[0], magic[1], magic[2], magic[3]));
  if (magic[2] != kUnsignedByte)
    return make_error(errc::invalid_data,
                      fmt::format("{}: IDX element type 0x{:02x} is not supported (only 0x08, "
                                  "unsigned byte)",
                                  in.path(), magic[2]));
  const std::size_t rank = magic[3];
  if (rank < min_rank || rank > max_rank)
    return make_error(errc::invalid_data, fmt::format("{}: IDX rank {} where {}..{} was expected",
                                                      in.path(), rank, min_rank, max_rank));
  std::vector<std::uint64_t> dims(rank);
  for (auto& d : dims) {
    std::array<unsigned char, 4> b{};
    if (auto ok = in.read_exact(b.data(), 4, "IDX dimensions"); !ok) return unexpected(ok.error());
    d = (std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) | (std::uint64_t{b[2]} << 8) |
        b[3];
    if (d == 0)
      return make_error(errc::invalid_data, fmt::format("{}: an IDX dimension is 0", in.path()));
  }
  return dims;
}

expected<idx_array> read_array(const std::string& path, std::size_t min_rank, std::size_t max_rank,
                               const char* what) {
  auto in = detail::gz_reader::open(path);
  if (!in) return unexpected(in.error());
  auto dims = read_header(*in, min_rank, max_rank);
  if (!dims) return unexpected(dims.error());
  std::uint64_t count = 1;
  for (const auto d : *dims) {
    count *= d;
    if (count > kMaxElements)
      return make_error(errc::invalid_data, fmt::format("{}: IDX dimensions too large", path));
  }
  auto payload = in->view_exact(count, what);
  if (!payload) return unexpected(payload.error());
  if (auto ok = in->expect_end(); !ok) return unexpected(ok.error());
  return idx_array{std::move(*dims), std::move(*in), *payload, count};
}

// out[i] = src[i] / divisor, in parallel chunks (the pass also faults in out's pages).
void convert(const unsigned char* src, std::size_t n, float divisor, float* out) {
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  tbb::parallel_for(std::size_t{0}, (n + kChunk - 1) / kChunk, [&](std::size_t c) {
    const std::size_t end = std::min(n, (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; ++i) out[i] = static_cast<float>(src[i]) / divisor;
  });
}

// Maps x's memory now (one write per page: the kernel zeroes each page on its first touch, which
// on these VMs costs about as much as inflating): run while the other thread inflates.
void prefault(row_matrix& x, std::size_t count) {
  x.resize(1, static_cast<Eigen::Index>(count));
  detail::advise_huge_pages(x.data(), count * sizeof(float));
  constexpr std::size_t kChunk = std::size_t{1} << 20, kPage = 4096 / sizeof(float);
  float* p = x.data();
  tbb::parallel_for(std::size_t{0}, (count + kChunk - 1) / kChunk, [&](std::size_t c) {
    const std::size_t end = std::min(count, (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; i += kPage) p[i] = 0.0f;
  });
}

expected<std::size_t> check_labels(const idx_array& lab, const std::string& labels,
                                   std::size_t classes) {
  const unsigned char* b = lab.bytes;
  const unsigned char max_label = *std::max_element(b, b + lab.count);
  if (classes == 0) classes = std::max<std::size_t>(2, std::size_t{max_label} + 1);
  for (std::size_t i = 0; i < lab.count; ++i)
    if (b[i] >= classes)
      return make_error(errc::invalid_data,
                        fmt::format("{}: label {} at index {} is not below data.classes = {}",
                                    labels, b[i], i, classes));
  return classes;
}

}  // namespace

expected<dataset> read_idx(const std::string& images, const std::string& labels,
                           std::size_t classes, float divisor) {
  // The images' size is guessed from the gzip trailer, less the rank-3 header: when right, x's
  // pages are mapped while the images inflate, and the resize below keeps that memory.
  constexpr std::size_t kHeader = 16;
  dataset out;
  std::optional<expected<idx_array>> img, lab;
  tbb::parallel_invoke([&] { img = read_array(images, 2, 4, "image data"); },
                       [&] {
                         lab = read_array(labels, 1, 1, "labels");
                         const std::size_t guess = detail::inflated_size_guess(images);
                         if (guess > kHeader) prefault(out.x, guess - kHeader);
                       });
  if (!*img) return unexpected(img->error());
  if (!*lab) return unexpected(lab->error());
  const std::uint64_t n = (*img)->dims[0];
  if ((*lab)->dims[0] != n)
    return make_error(errc::dimension_mismatch, fmt::format("{} has {} labels but {} has {} images",
                                                            labels, (*lab)->dims[0], images, n));
  auto k = check_labels(**lab, labels, classes);
  if (!k) return unexpected(k.error());
  const auto features = static_cast<Eigen::Index>((*img)->count / n);
  if (static_cast<std::size_t>(out.x.size()) != (*img)->count) out.x.resize(0, 0);
  out.x.resize(static_cast<Eigen::Index>(n), features);  // the same memory if the guess was right
  detail::advise_huge_pages(out.x.data(), static_cast<std::size_t>(out.x.size()) * sizeof(float));
  convert((*img)->bytes, (*img)->count, divisor, out.x.data());
  out.y.resize(static_cast<Eigen::Index>(n));
  std::transform((*lab)->bytes, (*lab)->bytes + n, out.y.data(),
                 [](unsigned char b) { return static_cast<float>(b); });
  out.classes = *k;
  out.source = images;
  return out;
}

}  // namespace sgmc::models
