// IDX reader (LeCun's MNIST format): magic 00 00 <type> <rank>, then <rank> big-endian uint32
// dimensions, then the elements in row-major order. Only type 0x08 (unsigned byte) is used by
// the MNIST family and only it is accepted.
#include "sgmc/models/loaders.hpp"

#include "gz_reader.hpp"
#include "huge_pages.hpp"
#include "memory_bound.hpp"

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
// Deflate's largest expansion: a 258-byte match per bit pair, about 1032:1 (zlib's tech notes).
constexpr std::uint64_t kMaxDeflateRatio = 1032;

// What an IDX header says: the dimensions, the header's own bytes and the elements' count.
struct idx_header {
  std::vector<std::uint64_t> dims;
  std::size_t bytes = 0;
  std::uint64_t count = 1;
  // The size is plausible beyond the header's word: a plain file that long, or a gzip file
  // whose trailer agrees and which is no more than 16 times smaller. Only then are x's pages
  // faulted in before the content has arrived (a lying header costs no memory).
  bool plausible = false;
};

// The dimensions and a view of the payload inside the (inflated) file it keeps.
struct idx_array {
  std::vector<std::uint64_t> dims;
  detail::gz_reader file;
  const unsigned char* bytes = nullptr;
  std::size_t count = 0;
};

expected<void> truncated(const std::string& path, std::size_t need, const char* what,
                         std::size_t got) {
  return make_error(
      errc::invalid_data,
      fmt::format("{}: truncated: expected {} bytes of {}, got {}", path, need, what, got));
}

std::uint64_t big_endian(const char* b) {
  const auto* u = reinterpret_cast<const unsigned char*>(b);
  return (std::uint64_t{u[0]} << 24) | (std::uint64_t{u[1]} << 16) | (std::uint64_t{u[2]} << 8) |
         u[3];
}

expected<idx_header> parse_header(const std::string& head, const std::string& path,
                                  std::size_t min_rank, std::size_t max_rank) {
  if (head.size() < 4) return unexpected(truncated(path, 4, "IDX magic", head.size()).error());
  const auto* magic = reinterpret_cast<const unsigned char*>(head.data());
  if (magic[0] != 0 || magic[1] != 0)
    return make_error(errc::invalid_data,
                      fmt::format("{}: not an IDX file (magic {:02x} {:02x} {:02x} {:02x})", path,
                                  magic[0], magic[1], magic[2], magic[3]));
  if (magic[2] != kUnsignedByte)
    return make_error(errc::invalid_data,
                      fmt::format("{}: IDX element type 0x{:02x} is not supported (only 0x08, "
                                  "unsigned byte)",
                                  path, magic[2]));
  const std::size_t rank = magic[3];
  if (rank < min_rank || rank > max_rank)
    return make_error(errc::invalid_data, fmt::format("{}: IDX rank {} where {}..{} was expected",
                                                      path, rank, min_rank, max_rank));
  idx_header h;
  h.bytes = 4 + 4 * rank;
  if (head.size() < h.bytes)
    return unexpected(truncated(path, 4 * rank, "IDX dimensions", head.size() - 4).error());
  for (std::size_t i = 0; i < rank; ++i) {
    h.dims.push_back(big_endian(head.data() + 4 + 4 * i));
    if (h.dims.back() == 0)
      return make_error(errc::invalid_data, fmt::format("{}: an IDX dimension is 0", path));
    h.count *= h.dims.back();
    if (h.count > kMaxElements)
      return make_error(errc::invalid_data, fmt::format("{}: IDX dimensions too large", path));
  }
  return h;
}

// The header, read before the whole file, and its sizes checked against what the file can
// hold: so that the whole file is inflated into exactly the bytes its header promises.
expected<idx_header> read_header(const std::string& path, std::size_t min_rank,
                                 std::size_t max_rank) {
  auto head = detail::peek(path, 4 + 4 * max_rank);
  if (!head) return unexpected(head.error());
  auto h = parse_header(head->bytes, path, min_rank, max_rank);
  if (!h) return h;
  const std::uint64_t total = h->bytes + h->count;
  const std::uint64_t most = head->gzip ? kMaxDeflateRatio * head->file_size : head->file_size;
  if (total > most)
    return make_error(errc::invalid_data,
                      fmt::format("{}: truncated: its IDX dimensions need {} bytes, more than "
                                  "its {} bytes on disk can hold",
                                  path, total, head->file_size));
  if (auto ok =
          detail::check_memory(static_cast<double>(total),
                               fmt::format("{} (its IDX dimensions)", path), errc::invalid_data);
      !ok)
    return unexpected(ok.error());
  h->plausible = !head->gzip || (total <= 16 * std::uint64_t{head->file_size} &&
                                 head->isize == static_cast<std::uint32_t>(total));
  return h;
}

expected<idx_array> read_array(const std::string& path, std::size_t min_rank, std::size_t max_rank,
                               const char* what) {
  auto h = read_header(path, min_rank, max_rank);
  if (!h) return unexpected(h.error());
  // Never more in memory than the header promises: more data is an error, not a larger buffer.
  auto in = detail::gz_reader::open(path, h->bytes + h->count);
  if (!in) return unexpected(in.error());
  if (auto skip = in->view_exact(h->bytes, "IDX header"); !skip) return unexpected(skip.error());
  auto payload = in->view_exact(h->count, what);
  if (!payload) return unexpected(payload.error());
  if (auto ok = in->expect_end(); !ok) return unexpected(ok.error());
  return idx_array{std::move(h->dims), std::move(*in), *payload, h->count};
}

// out[i] = src[i] / divisor, in parallel chunks (the pass also faults in out's pages).
void convert(const unsigned char* src, std::size_t n, float divisor, float* out) {
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  tbb::parallel_for(std::size_t{0}, (n + kChunk - 1) / kChunk, [&](std::size_t c) {
    const std::size_t end = std::min(n, (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; ++i) out[i] = static_cast<float>(src[i]) / divisor;
  });
}

// Converts in place. The IDX file (header, then n bytes) was read into the floats' own memory,
// its n bytes in the last quarter: src = bytes + 3n. Float i overwrites source bytes 4i - 3n ..
// 4i - 3n + 3 (when 4i >= 3n), so [lo, hi) converts in parallel once every source byte below
// 4hi - 3n has been read, i.e. hi <= (lo + 3n) / 4: phases of 3/4, 3/16, ... of the bytes,
// and the last few thousand in order (each byte is read before its own float is written).
void convert_in_place(float* out, std::size_t n, float divisor) {
  const unsigned char* src = reinterpret_cast<const unsigned char*>(out) + 3 * n;
  constexpr std::size_t kChunk = std::size_t{1} << 18, kSerial = std::size_t{1} << 16;
  std::size_t lo = 0;
  while (n - lo > kSerial) {
    const std::size_t hi = (lo + 3 * n) / 4;
    tbb::parallel_for(std::size_t{0}, (hi - lo + kChunk - 1) / kChunk, [&](std::size_t c) {
      const std::size_t end = std::min(hi, lo + (c + 1) * kChunk);
      for (std::size_t i = lo + c * kChunk; i < end; ++i)
        out[i] = static_cast<float>(src[i]) / divisor;
    });
    lo = hi;
  }
  for (std::size_t i = lo; i < n; ++i) out[i] = static_cast<float>(src[i]) / divisor;
}

// Maps p[0, count) now (one write per page: the kernel zeroes each page on its first touch,
// which on these VMs costs about as much as inflating): run while the other thread inflates.
void prefault(float* p, std::size_t count) {
  constexpr std::size_t kChunk = std::size_t{1} << 20, kPage = 4096 / sizeof(float);
  tbb::parallel_for(std::size_t{0}, (count + kChunk - 1) / kChunk, [&](std::size_t c) {
    const std::size_t end = std::min(count, (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; i += kPage) p[i] = 0.0f;
  });
}

// The images straight into x's memory (no buffer of their own, whose fresh pages the kernel
// would zero too), converted there; the labels and the rest of x's pages meanwhile.
expected<idx_array> read_images_into(const std::string& images, const idx_header& h,
                                     const std::string& labels, row_matrix& x, float divisor) {
  const std::size_t n = h.count;
  x.resize(static_cast<Eigen::Index>(h.dims[0]), static_cast<Eigen::Index>(n / h.dims[0]));
  detail::advise_huge_pages(x.data(), n * sizeof(float));
  auto* file = reinterpret_cast<unsigned char*>(x.data()) + 3 * n - h.bytes;
  expected<void> img = {};
  std::optional<expected<idx_array>> lab;
  tbb::parallel_invoke([&] { img = detail::read_into(images, file, h.bytes + n); },
                       [&] {
                         lab = read_array(labels, 1, 1, "labels");
                         if (h.plausible) prefault(x.data(), (3 * n - h.bytes) / sizeof(float));
                       });
  if (!img) return unexpected(img.error());
  // The header read in full must be the one read first (the file did not change meanwhile).
  auto again = parse_header(std::string(reinterpret_cast<const char*>(file), h.bytes), images,
                            h.dims.size(), h.dims.size());
  if (!again || again->dims != h.dims)
    return make_error(errc::invalid_data, fmt::format("{}: changed while being read", images));
  convert_in_place(x.data(), n, divisor);
  return std::move(*lab);
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
  auto h = read_header(images, 2, 4);
  if (!h) return unexpected(h.error());
  dataset out;
  std::optional<expected<idx_array>> lab;
  if (3 * h->count >= h->bytes) {  // room for the file in x's memory: all but tiny arrays
    lab = read_images_into(images, *h, labels, out.x, divisor);
  } else {
    expected<idx_array> img = read_array(images, 2, 4, "image data");
    if (!img) return unexpected(img.error());
    lab = read_array(labels, 1, 1, "labels");
    out.x.resize(static_cast<Eigen::Index>(h->dims[0]),
                 static_cast<Eigen::Index>(h->count / h->dims[0]));
    convert(img->bytes, img->count, divisor, out.x.data());
  }
  if (!*lab) return unexpected(lab->error());
  const std::uint64_t n = h->dims[0];
  if ((*lab)->dims[0] != n)
    return make_error(errc::dimension_mismatch, fmt::format("{} has {} labels but {} has {} images",
                                                            labels, (*lab)->dims[0], images, n));
  auto k = check_labels(**lab, labels, classes);
  if (!k) return unexpected(k.error());
  out.y.resize(static_cast<Eigen::Index>(n));
  std::transform((*lab)->bytes, (*lab)->bytes + n, out.y.data(),
                 [](unsigned char b) { return static_cast<float>(b); });
  out.classes = *k;
  out.source = images;
  return out;
}

}  // namespace sgmc::models
