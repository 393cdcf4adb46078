// CSV and LIBSVM readers, label mapping, standardisation, synthetic data and load_data errors.
#include "helpers.hpp"

#include "sgmc/models/data_digest.hpp"
#include "sgmc/models/factory.hpp"
#include "sgmc/models/loaders.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace sgmc::models;
using namespace sgmc::models::test;
using sgmc::errc;

namespace {

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

template <class T>
void check_error(const T& r, errc code, const std::string& needle) {
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK(r.error().code == code);
  CHECK_THAT(r.error().message, Catch::Contains(needle));
}

}  // namespace

TEST_CASE("read_csv: header, target column, blank lines and CRLF", "[models][csv]") {
  tmp_dir dir("csv");
  write_text(dir.file("a.csv"), "f1,f2,target\r\n1, 2.5 ,0\r\n\r\n-3,+4e1,1\r\n");
  const auto last = read_csv(dir.file("a.csv"), true);
  REQUIRE(last);
  CHECK(last->size() == 2);
  CHECK(last->features() == 2);
  CHECK(last->x(0, 1) == 2.5f);
  CHECK(last->x(1, 1) == 40.0f);
  CHECK(last->y[1] == 1.0f);
  const auto first = read_csv(dir.file("a.csv"), true, 0);
  REQUIRE(first);
  CHECK(first->y[1] == -3.0f);
  CHECK(first->x(1, 0) == 40.0f);
  check_error(read_csv(dir.file("a.csv"), true, 5), errc::invalid_config, "data.target_column");
}

TEST_CASE("read_csv: malformed lines name the file and line", "[models][csv]") {
  tmp_dir dir("csv-bad");
  write_text(dir.file("text.csv"), "1,2,3\n4,five,6\n");
  check_error(read_csv(dir.file("text.csv")), errc::invalid_data, dir.file("text.csv") + ":2");
  write_text(dir.file("ragged.csv"), "1,2,3\n4,5,6\n7,8\n");
  check_error(read_csv(dir.file("ragged.csv")), errc::invalid_data, dir.file("ragged.csv") + ":3");
  write_text(dir.file("empty.csv"), "a,b\n");
  check_error(read_csv(dir.file("empty.csv"), true), errc::invalid_data, "no data rows");
  write_text(dir.file("nan.csv"), "1,nan\n");
  check_error(read_csv(dir.file("nan.csv")), errc::invalid_data, ":1");
  check_error(read_csv(dir.file("missing.csv")), errc::io, dir.file("missing.csv"));
}

TEST_CASE("read_libsvm: sparse rows, 1-based indices, comments", "[models][libsvm]") {
  tmp_dir dir("svm");
  write_text(dir.file("a.svm"), "+1 1:0.5 3:2 # comment\n-1 2:-1\n\n# only a comment\n+1\n");
  const auto d = read_libsvm(dir.file("a.svm"));
  REQUIRE(d);
  CHECK(d->size() == 3);
  CHECK(d->features() == 3);
  CHECK(d->x(0, 0) == 0.5f);
  CHECK(d->x(0, 1) == 0.0f);
  CHECK(d->x(0, 2) == 2.0f);
  CHECK(d->x(1, 1) == -1.0f);
  CHECK(d->x.row(2).isZero());
  CHECK(d->y[1] == -1.0f);
  const auto wide = read_libsvm(dir.file("a.svm"), 10);
  REQUIRE(wide);
  CHECK(wide->features() == 10);
  check_error(read_libsvm(dir.file("a.svm"), 2), errc::invalid_data, dir.file("a.svm") + ":1");
}

TEST_CASE("read_libsvm: malformed lines name the file and line", "[models][libsvm]") {
  tmp_dir dir("svm-bad");
  write_text(dir.file("zero.svm"), "1 1:1\n0 0:3\n");
  check_error(read_libsvm(dir.file("zero.svm")), errc::invalid_data, dir.file("zero.svm") + ":2");
  write_text(dir.file("colon.svm"), "1 1:1\n1 2:1\n0 3\n");
  check_error(read_libsvm(dir.file("colon.svm")), errc::invalid_data, dir.file("colon.svm") + ":3");
  write_text(dir.file("label.svm"), "one 1:1\n");
  check_error(read_libsvm(dir.file("label.svm")), errc::invalid_data, dir.file("label.svm") + ":1");
  write_text(dir.file("value.svm"), "1 1:x\n");
  check_error(read_libsvm(dir.file("value.svm")), errc::invalid_data, "1:x");
}

TEST_CASE("map_labels: 0..K-1 kept, 1..K shifted, -1/+1 mapped to 0/1", "[models][labels]") {
  const auto make = [](std::vector<float> y) {
    dataset d;
    d.y = Eigen::Map<Eigen::VectorXf>(y.data(), static_cast<Eigen::Index>(y.size()));
    d.x.resize(d.y.size(), 1);
    d.source = "set";
    return d;
  };
  auto tr = make({0, 2, 1}), te = make({1});
  REQUIRE(map_labels(tr, te, 3));
  CHECK(tr.y[1] == 2.0f);
  CHECK(tr.classes == 3);
  tr = make({1, 3, 2});
  te = make({3});
  REQUIRE(map_labels(tr, te, 3));
  CHECK(tr.y[0] == 0.0f);
  CHECK(te.y[0] == 2.0f);
  tr = make({-1, 1, 1});
  te = make({-1});
  REQUIRE(map_labels(tr, te, 2));
  CHECK(tr.y[0] == 0.0f);
  CHECK(tr.y[1] == 1.0f);
  CHECK(te.y[0] == 0.0f);
  tr = make({0, 1, 5});
  te = make({});
  check_error(map_labels(tr, te, 3), errc::invalid_data, "label 5");
  tr = make({0, 1.5f});
  check_error(map_labels(tr, te, 2), errc::invalid_data, "not an integer");
}

TEST_CASE("load_data csv and libsvm: classification labels, shared width, zscore from train",
          "[models][load]") {
  tmp_dir dir("load");
  write_text(dir.file("tr.svm"), "1 1:1 2:10\n2 1:3 2:30\n1 1:5\n");
  write_text(dir.file("te.svm"), "2 4:1\n");
  data_params p;
  p.format = data_format::libsvm;
  p.train = dir.file("tr.svm");
  p.test = dir.file("te.svm");
  p.classes = 2;
  const auto d = load_data(p, 0);
  REQUIRE(d);
  CHECK(d->train.features() == 4);
  CHECK(d->test.features() == 4);
  CHECK(d->train.y[1] == 1.0f);
  CHECK(d->test.y[0] == 1.0f);
  // zscore with the train statistics: feature 0 of train has mean 3, sd sqrt(8/3).
  CHECK(d->train.x.col(0).mean() == Approx(0).margin(1e-6));
  CHECK(d->train.x(0, 0) == Approx(-2 / std::sqrt(8.0 / 3)).epsilon(1e-5));
  CHECK(d->test.x(0, 0) == Approx(-3 / std::sqrt(8.0 / 3)).epsilon(1e-5));
  CHECK(d->test.x(0, 3) == 1.0f);  // zero spread in train: only centred (mean 0)

  write_text(dir.file("tr.csv"), "x,y\n1,0.5\n2,1.5\n");
  data_params c;
  c.format = data_format::csv;
  c.train = dir.file("tr.csv");
  c.header = true;
  c.standardize = standardize_mode::none;
  const auto r = load_data(c, 0);
  REQUIRE(r);
  CHECK(r->train.classes == 0);
  CHECK(r->train.y[1] == 1.5f);
  CHECK(r->test.size() == 0);
}

TEST_CASE("standardize: none, scale and unknown names", "[models][load]") {
  data_split s;
  s.train.x = row_matrix::Constant(3, 2, 255.0f);
  s.test.x = row_matrix::Constant(1, 2, 51.0f);
  REQUIRE(standardize(s, standardize_mode::none, data_format::csv));
  CHECK(s.train.x(0, 0) == 255.0f);
  REQUIRE(standardize(s, standardize_mode::automatic, data_format::idx));
  CHECK(s.train.x(0, 0) == 1.0f);
  CHECK(s.test.x(0, 0) == Approx(0.2f));
  check_error(parse_standardize_mode("minmax"), errc::invalid_config, "data.standardize");
}

TEST_CASE("synthetic data is deterministic in the seed and has the asked shape",
          "[models][synthetic]") {
  data_params p;
  p.format = data_format::synthetic;
  p.train_size = 300;
  p.test_size = 50;
  p.synthetic_features = 4;
  for (const std::string gen : {"linreg", "logreg", "softmax"}) {
    INFO(gen);
    p.generator = parse_synthetic_generator(gen).value();
    const auto a = load_data(p, 7), b = load_data(p, 7), c = load_data(p, 8);
    REQUIRE(a);
    REQUIRE(c);
    CHECK(a->train.size() == 300);
    CHECK(a->test.size() == 50);
    CHECK(a->train.features() == 4);
    CHECK(a->train.x == b->train.x);
    CHECK(a->train.y == b->train.y);
    CHECK(a->train.x != c->train.x);
    const std::size_t k = gen == "linreg" ? 0 : gen == "logreg" ? 2 : 3;
    CHECK(a->train.classes == k);
    if (k > 0) {
      CHECK(a->train.y.minCoeff() >= 0.0f);
      CHECK(a->train.y.maxCoeff() == static_cast<float>(k - 1));
    }
  }
  p.seed = 99;
  const auto fixed = load_data(p, 1), fixed2 = load_data(p, 2);
  CHECK(fixed->train.y == fixed2->train.y);  // data.seed overrides the run seed
  check_error(parse_synthetic_generator("quadratic"), errc::invalid_config, "data.generator");
}

TEST_CASE("load_data: unknown format, missing files, mismatched test width", "[models][load]") {
  tmp_dir dir("load-bad");
  data_params p;
  check_error(parse_data_format("parquet"), errc::invalid_config, "data.format");
  p.format = data_format::csv;
  check_error(load_data(p, 0), errc::invalid_config, "data.train");
  p.train = dir.file("none.csv");
  check_error(load_data(p, 0), errc::io, dir.file("none.csv"));
  write_text(dir.file("tr.csv"), "1,2,3\n");
  write_text(dir.file("te.csv"), "1,2\n");
  p.train = dir.file("tr.csv");
  p.test = dir.file("te.csv");
  check_error(load_data(p, 0), errc::dimension_mismatch, dir.file("te.csv"));
}

TEST_CASE("data files are digested with SHA-256, by key, under their absolute path") {
  tmp_dir dir("digest");
  const std::filesystem::path abc = dir.file("abc.csv");
  std::ofstream(abc) << "abc";
  auto d = sha256_file(abc);
  REQUIRE(d);
  // FIPS 180-2's test vector for "abc".
  CHECK(*d == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  data_params p;
  p.format = data_format::csv;
  p.train = abc.string();
  auto files = digest_data_files(p);
  REQUIRE(files);
  REQUIRE(files->size() == 1);
  CHECK((*files)[0].key == "train");
  CHECK((*files)[0].path == abc.string());
  CHECK((*files)[0].sha256 == *d);
  std::ofstream(abc) << "abd";  // one byte changed: another digest
  CHECK(*sha256_file(abc) != *d);
  p.test = dir.file("missing.csv");
  auto missing = digest_data_files(p);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("missing.csv: cannot read it to digest it") !=
        std::string::npos);
  p.format = data_format::synthetic;
  CHECK(digest_data_files(p)->empty());
}
