// Sizes from config keys and data files are bounded before anything is allocated: a size that
// cannot fit in memory is an error naming the key or the file, never a std::bad_alloc.
#include "helpers.hpp"

#include "sgmc/models/factory.hpp"
#include "sgmc/models/loaders.hpp"
#include "text_file.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace sgmc::models;
using namespace sgmc::models::test;
using sgmc::errc;

namespace {

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

template <class T>
void check_error(const T& r, const std::string& needle) {
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK_THAT(r.error().message, Catch::Contains(needle));
  CHECK_THAT(r.error().message, Catch::Contains("of memory of this host"));
}

data_params synthetic(std::size_t features, std::size_t train, std::size_t test) {
  data_params p;
  p.format = data_format::synthetic;
  p.generator = synthetic_generator::linreg;
  p.synthetic_features = features;
  p.train_size = train;
  p.test_size = test;
  return p;
}

}  // namespace

TEST_CASE("synthetic data too large for memory names its keys", "[models][bounds]") {
  check_error(make_synthetic(synthetic(1'000'000'000'000, 100, 10), 1), "data.synthetic_features");
  check_error(make_synthetic(synthetic(3, 1'000'000'000'000, 10), 1), "data.train_size");
  check_error(make_synthetic(synthetic(3, 100, 1'000'000'000'000), 1), "1000000000000");
  // Control: a small set is made.
  CHECK(make_synthetic(synthetic(3, 100, 10), 1));
}

TEST_CASE("a LIBSVM feature index or data.features too large for memory is an error",
          "[models][bounds]") {
  tmp_dir dir("libsvm-bounds");
  write_text(dir.file("huge.svm"), "1.0 1000000000000:1.0\n");
  check_error(read_libsvm(dir.file("huge.svm")), dir.file("huge.svm"));
  write_text(dir.file("ok.svm"), "1.0 3:1.0\n0 1:2\n");
  check_error(read_libsvm(dir.file("ok.svm"), 1'000'000'000'000), "data.features");
  const auto ok = read_libsvm(dir.file("ok.svm"), 5);  // control
  REQUIRE(ok);
  CHECK(ok->features() == 5);
}

TEST_CASE("a text file without line ends stops at the line bound, naming the file",
          "[models][bounds]") {
  const auto zero = read_csv("/dev/zero");  // endless, no '\n'
  REQUIRE_FALSE(zero);
  CHECK(zero.error().code == errc::invalid_data);
  CHECK_THAT(zero.error().message, Catch::StartsWith("/dev/zero: line 1 is longer than 64.0 MiB"));
  tmp_dir dir("line-bound");
  write_text(dir.file("a.txt"), "short\nline two is long\nx\n");
  const auto cut = detail::read_text_file(dir.file("a.txt"), 10);
  REQUIRE_FALSE(cut);
  CHECK_THAT(cut.error().message, Catch::Contains("a.txt: line 2 is longer than 10 bytes"));
  const auto whole = detail::read_text_file(dir.file("a.txt"), 16);  // control
  REQUIRE(whole);
  CHECK(*whole == "short\nline two is long\nx\n");
}

TEST_CASE("an MLP too large for memory names model.layers", "[models][bounds]") {
  auto train = random_dataset(20, 5, 2, 7);
  model_params p;
  p.kind = model_kind::mlp;
  p.layers = {5, 1'000'000'000'000, 2};
  check_error(make_model(p, train), "model.layers");
  p.layers = {5, 8, 2};  // control
  CHECK(make_model(p, train));
}

TEST_CASE("read_csv skips a UTF-8 byte-order mark", "[models][csv]") {
  tmp_dir dir("csv-bom");
  write_text(dir.file("bom.csv"),
             "\xEF\xBB\xBF"
             "1,2,3\n4,5,6\n");
  const auto plain = read_csv(dir.file("bom.csv"));
  REQUIRE(plain);
  CHECK(plain->size() == 2);
  CHECK(plain->x(0, 0) == 1.0f);
  write_text(dir.file("bom-header.csv"),
             "\xEF\xBB\xBF"
             "a,b\n7,8\n");
  const auto header = read_csv(dir.file("bom-header.csv"), true);
  REQUIRE(header);
  CHECK(header->size() == 1);
  CHECK(header->y[0] == 8.0f);
}
