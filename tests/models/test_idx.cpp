// The IDX reader on small files written here (plain and gzip), broken files, and the real
// Fashion-MNIST.
#include "helpers.hpp"

#include "sgmc/models/factory.hpp"
#include "sgmc/models/loaders.hpp"

#include <zlib.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <vector>

using namespace sgmc::models;
using namespace sgmc::models::test;
using sgmc::errc;

namespace {

using bytes = std::vector<unsigned char>;

bytes idx_header(unsigned char rank, std::vector<std::uint32_t> dims) {
  bytes b = {0, 0, 0x08, rank};
  for (const auto d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(d >> s));
  return b;
}

bytes images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
  bytes b = idx_header(3, {n, rows, cols});
  for (std::uint32_t i = 0; i < n * rows * cols; ++i)
    b.push_back(static_cast<unsigned char>((i * 7) % 256));
  return b;
}

bytes labels(std::uint32_t n, unsigned char classes) {
  bytes b = idx_header(1, {n});
  for (std::uint32_t i = 0; i < n; ++i) b.push_back(static_cast<unsigned char>(i % classes));
  return b;
}

void write_plain(const std::string& path, const bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void write_gz(const std::string& path, const bytes& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
  gzclose(f);
}

bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(f), {});
}

void check_error(const sgmc::expected<dataset>& r, errc code, const std::string& path) {
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK(r.error().code == code);
  CHECK_THAT(r.error().message, Catch::Contains(path));
}

}  // namespace

TEST_CASE("read_idx reads plain and gzip files alike", "[models][idx]") {
  tmp_dir dir("idx");
  write_plain(dir.file("img"), images(5, 3, 4));
  write_plain(dir.file("lab"), labels(5, 3));
  write_gz(dir.file("img.gz"), images(5, 3, 4));
  write_gz(dir.file("lab.gz"), labels(5, 3));
  for (const auto& [img, lab] :
       {std::pair{"img", "lab"}, std::pair{"img.gz", "lab.gz"}, std::pair{"img", "lab.gz"}}) {
    const auto d = read_idx(dir.file(img), dir.file(lab));
    REQUIRE(d);
    CHECK(d->size() == 5);
    CHECK(d->features() == 12);
    CHECK(d->classes == 3);  // inferred: largest label + 1
    CHECK(d->x(0, 1) == 7.0f);
    CHECK(d->x(2, 3) == static_cast<float>((27 * 7) % 256));
    CHECK(d->y[4] == 1.0f);
  }
  const auto ten = read_idx(dir.file("img"), dir.file("lab"), 10);
  REQUIRE(ten);
  CHECK(ten->classes == 10);
}

TEST_CASE("load_data idx: scaling, limits and a test set", "[models][idx]") {
  tmp_dir dir("idx-load");
  write_gz(dir.file("tr-img.gz"), images(20, 2, 2));
  write_gz(dir.file("tr-lab.gz"), labels(20, 4));
  write_plain(dir.file("te-img"), images(6, 2, 2));
  write_plain(dir.file("te-lab"), labels(6, 4));
  data_params p;
  p.train_images = dir.file("tr-img.gz");
  p.train_labels = dir.file("tr-lab.gz");
  p.test_images = dir.file("te-img");
  p.test_labels = dir.file("te-lab");
  p.train_limit = 15;
  const auto d = load_data(p, 1);
  REQUIRE(d);
  CHECK(d->train.size() == 15);
  CHECK(d->test.size() == 6);
  CHECK(d->train.classes == 4);
  CHECK(d->test.classes == 4);
  CHECK(d->train.x.maxCoeff() <= 1.0f);
  CHECK(d->train.x(0, 1) == Approx(7.0f / 255.0f));
  p.test_images.clear();
  const auto only_train = load_data(p, 1);
  REQUIRE_FALSE(only_train);
  CHECK(only_train.error().code == errc::invalid_config);
  p.test_labels.clear();
  REQUIRE(load_data(p, 1));
}

TEST_CASE("read_idx reads multi-member gzip files and scales as a later division would",
          "[models][idx]") {
  tmp_dir dir("idx-multi");
  const auto img = images(7, 5, 3);
  write_plain(dir.file("img"), img);
  write_plain(dir.file("lab"), labels(7, 3));
  // Two gzip members one after the other (what `cat a.gz b.gz` gives) are one file.
  const auto cut = static_cast<long>(img.size() / 3);
  write_gz(dir.file("a.gz"), bytes(img.begin(), img.begin() + cut));
  write_gz(dir.file("b.gz"), bytes(img.begin() + cut, img.end()));
  auto two = read_file(dir.file("a.gz"));
  const auto b = read_file(dir.file("b.gz"));
  two.insert(two.end(), b.begin(), b.end());
  write_plain(dir.file("two.gz"), two);
  const auto plain = read_idx(dir.file("img"), dir.file("lab"));
  const auto multi = read_idx(dir.file("two.gz"), dir.file("lab"));
  REQUIRE(plain);
  REQUIRE(multi);
  CHECK(multi->x == plain->x);
  const auto scaled = read_idx(dir.file("two.gz"), dir.file("lab"), 0, 255.0f);
  REQUIRE(scaled);
  const row_matrix divided = plain->x / 255.0f;
  CHECK(scaled->x == divided);  // bit for bit: data.standardize = scale is fused into reading
  // A test set whose labels exceed the training set's classes is refused, naming its file.
  write_plain(dir.file("lab5"), labels(7, 5));
  data_params p;
  p.train_images = dir.file("img");
  p.train_labels = dir.file("lab");
  p.test_images = dir.file("img");
  p.test_labels = dir.file("lab5");
  const auto bad = load_data(p, 1);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_data);
  CHECK_THAT(bad.error().message, Catch::Contains(dir.file("lab5")));
}

TEST_CASE("read_idx: missing, truncated, corrupt and inconsistent files give errors naming them",
          "[models][idx]") {
  tmp_dir dir("idx-bad");
  write_plain(dir.file("lab"), labels(5, 3));
  check_error(read_idx(dir.file("nope.gz"), dir.file("lab")), errc::io, dir.file("nope.gz"));

  auto img = images(5, 3, 4);
  write_plain(dir.file("short"), bytes(img.begin(), img.end() - 7));
  check_error(read_idx(dir.file("short"), dir.file("lab")), errc::invalid_data, dir.file("short"));
  write_plain(dir.file("header-only"), bytes(img.begin(), img.begin() + 6));
  check_error(read_idx(dir.file("header-only"), dir.file("lab")), errc::invalid_data,
              dir.file("header-only"));

  write_gz(dir.file("full.gz"), img);
  const auto gz = read_file(dir.file("full.gz"));
  write_plain(dir.file("cut.gz"), bytes(gz.begin(), gz.begin() + static_cast<long>(gz.size() / 2)));
  check_error(read_idx(dir.file("cut.gz"), dir.file("lab")), errc::invalid_data,
              dir.file("cut.gz"));
  auto bad = gz;
  for (std::size_t i = 12; i < bad.size() - 10; ++i) bad[i] ^= 0x5a;  // deflate data garbled
  write_plain(dir.file("corrupt.gz"), bad);
  check_error(read_idx(dir.file("corrupt.gz"), dir.file("lab")), errc::invalid_data,
              dir.file("corrupt.gz"));
  auto crc = gz;
  crc[crc.size() - 6] ^= 0xff;  // the stored CRC-32 no longer matches
  write_plain(dir.file("crc.gz"), crc);
  check_error(read_idx(dir.file("crc.gz"), dir.file("lab")), errc::invalid_data,
              dir.file("crc.gz"));

  auto magic = img;
  magic[0] = 0x1f;
  write_plain(dir.file("magic"), magic);
  check_error(read_idx(dir.file("magic"), dir.file("lab")), errc::invalid_data, dir.file("magic"));
  auto type = img;
  type[2] = 0x0d;  // float elements
  write_plain(dir.file("type"), type);
  check_error(read_idx(dir.file("type"), dir.file("lab")), errc::invalid_data, dir.file("type"));
  auto extra = img;
  extra.push_back(1);
  write_plain(dir.file("extra"), extra);
  check_error(read_idx(dir.file("extra"), dir.file("lab")), errc::invalid_data, dir.file("extra"));

  write_plain(dir.file("img"), img);
  write_plain(dir.file("lab4"), labels(4, 3));
  check_error(read_idx(dir.file("img"), dir.file("lab4")), errc::dimension_mismatch,
              dir.file("lab4"));
  check_error(read_idx(dir.file("img"), dir.file("lab"), 2), errc::invalid_data, dir.file("lab"));
  check_error(read_idx(dir.file("img"), dir.file("img")), errc::invalid_data, dir.file("img"));
}

TEST_CASE(
    "read_idx: a lying gzip size, more data than the header says and a header that "
    "promises more than the file holds are errors naming the file",
    "[models][idx]") {
  tmp_dir dir("idx-bounds");
  write_plain(dir.file("lab"), labels(5, 3));
  const auto img = images(5, 3, 4);
  write_gz(dir.file("full.gz"), img);
  const auto gz = read_file(dir.file("full.gz"));
  REQUIRE(read_idx(dir.file("full.gz"), dir.file("lab")));
  // The trailer's ISIZE (the last 4 bytes) says too little, too much, or nearly 4 GiB.
  for (const std::uint32_t isize : {std::uint32_t{3}, std::uint32_t{1000}, 0xfffffff0u}) {
    auto lie = gz;
    for (int i = 0; i < 4; ++i)
      lie[lie.size() - 4 + static_cast<std::size_t>(i)] =
          static_cast<unsigned char>(isize >> (8 * i));
    write_plain(dir.file("isize.gz"), lie);
    check_error(read_idx(dir.file("isize.gz"), dir.file("lab")), errc::invalid_data,
                dir.file("isize.gz"));
  }
  // Two members, the first shorter than the IDX header: the header is read across them.
  write_gz(dir.file("a.gz"), bytes(img.begin(), img.begin() + 5));
  write_gz(dir.file("b.gz"), bytes(img.begin() + 5, img.end()));
  auto two = read_file(dir.file("a.gz"));
  const auto b = read_file(dir.file("b.gz"));
  two.insert(two.end(), b.begin(), b.end());
  write_plain(dir.file("two.gz"), two);
  const auto multi = read_idx(dir.file("two.gz"), dir.file("lab"));
  REQUIRE(multi);
  CHECK(multi->x == read_idx(dir.file("full.gz"), dir.file("lab"))->x);
  // Megabytes of zeros after the promised bytes (a small file on disk): refused, in a member
  // of its own or in the same one.
  auto more = img;
  more.resize(more.size() + (std::size_t{8} << 20), 0);
  write_gz(dir.file("more.gz"), more);
  CHECK(read_file(dir.file("more.gz")).size() < 100000);
  check_error(read_idx(dir.file("more.gz"), dir.file("lab")), errc::invalid_data,
              dir.file("more.gz"));
  write_gz(dir.file("zeros.gz"), bytes(std::size_t{8} << 20, 0));
  auto tail = gz;
  const auto zeros = read_file(dir.file("zeros.gz"));
  tail.insert(tail.end(), zeros.begin(), zeros.end());
  write_plain(dir.file("tail.gz"), tail);
  check_error(read_idx(dir.file("tail.gz"), dir.file("lab")), errc::invalid_data,
              dir.file("tail.gz"));
  // A header promising 60000 x 28 x 28 images in a file of a few hundred bytes, gzip or plain:
  // refused before allocating, as truncated.
  auto big = idx_header(3, {60000, 28, 28});
  big.resize(big.size() + 200, 7);
  write_gz(dir.file("big.gz"), big);
  write_plain(dir.file("big"), big);
  for (const char* name : {"big.gz", "big"}) {
    const auto r = read_idx(dir.file(name), dir.file("lab"));
    check_error(r, errc::invalid_data, dir.file(name));
    CHECK_THAT(r.error().message, Catch::Contains("truncated"));
  }
}

TEST_CASE("read_idx converts images read into the floats' own memory exactly, in every phase",
          "[models][idx]") {
  // 1000 images of 28 x 28: 784,000 bytes, converted in place in two parallel phases of
  // several chunks and an ordered tail; every value is checked against its byte.
  tmp_dir dir("idx-inplace");
  const std::uint32_t n = 1000, side = 28;
  bytes img = idx_header(3, {n, side, side});
  const std::size_t count = std::size_t{n} * side * side;
  for (std::size_t i = 0; i < count; ++i)
    img.push_back(static_cast<unsigned char>((i * 7 + i / 251) % 256));
  write_plain(dir.file("img"), img);
  write_gz(dir.file("img.gz"), img);
  write_plain(dir.file("lab"), labels(n, 10));
  for (const char* name : {"img", "img.gz"}) {
    const auto d = read_idx(dir.file(name), dir.file("lab"), 0, 255.0f);
    REQUIRE(d);
    REQUIRE(d->x.rows() == n);
    REQUIRE(d->x.cols() == side * side);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < count; ++i)
      wrong += d->x.data()[i] != static_cast<float>(img[16 + i]) / 255.0f;
    CHECK(wrong == 0);
    CHECK(d->y[999] == 9.0f);
  }
}

TEST_CASE("Fashion-MNIST loads with the default data params", "[models][idx][slow]") {
  const data_params p;
  if (!std::filesystem::exists(p.train_images)) {
    WARN("Fashion-MNIST not installed at " << p.train_images);
    return;
  }
  const auto d = load_data(p, 0);
  REQUIRE(d);
  CHECK(d->train.size() == 60000);
  CHECK(d->train.features() == 784);
  CHECK(d->test.size() == 10000);
  CHECK(d->test.features() == 784);
  CHECK(d->train.classes == 10);
  CHECK(d->train.y.minCoeff() == 0.0f);
  CHECK(d->train.y.maxCoeff() == 9.0f);
  CHECK(d->test.y.maxCoeff() == 9.0f);
  CHECK(d->train.x.minCoeff() == 0.0f);
  CHECK(d->train.x.maxCoeff() == 1.0f);
  // Every class appears 6000 times in the training set.
  std::vector<int> counts(10, 0);
  for (const float y : d->train.y) ++counts[static_cast<std::size_t>(y)];
  for (const int c : counts) CHECK(c == 6000);
}
