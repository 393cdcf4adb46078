#include "sgmc/engine/npy_writer.hpp"

#include "sgmc/engine/draw_stats.hpp"
#include "sgmc/engine/npy_reader.hpp"

#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

using sgmc::engine::npy_writer;
using sgmc::test::run_command;
using sgmc::test::tmp_dir;

namespace {

/// Row i of the test data: element j = i * 1000 + j + 0.25 (exact in float32).
std::vector<float> test_row(std::size_t i, std::size_t dim) {
  std::vector<float> row(dim);
  for (std::size_t j = 0; j < dim; ++j) row[j] = static_cast<float>(i * 1000 + j) + 0.25f;
  return row;
}

/// Loads `path` with numpy and checks shape (rows, dim) and every value exactly.
sgmc::test::command_result numpy_check(const std::string& path, std::size_t rows, std::size_t dim) {
  const std::string script =
      "import numpy as np, sys\n"
      "a = np.load(sys.argv[1])\n"
      "r, d = int(sys.argv[2]), int(sys.argv[3])\n"
      "assert a.dtype == np.float32, a.dtype\n"
      "assert a.shape == (r, d), a.shape\n"
      "e = (np.arange(r)[:, None] * 1000 + np.arange(d)[None, :]).astype(np.float32) + 0.25\n"
      "assert np.array_equal(a, e)\n"
      "print('ok')\n";
  return run_command(std::string(SGMC_PYTHON) + " -c \"" + script + "\" " + path + " " +
                     std::to_string(rows) + " " + std::to_string(dim));
}

}  // namespace

TEST_CASE("the npy header is 128 bytes and announces the shape", "[npy]") {
  const std::string h = npy_writer::header(12, 79510);
  CHECK(h.size() == npy_writer::k_header_size);
  CHECK(h.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(h.back() == '\n');
  CHECK(h.find("'shape': (12, 79510)") != std::string::npos);
  const std::string big = npy_writer::header(UINT64_MAX, SIZE_MAX);
  CHECK(big.size() == npy_writer::k_header_size);
}

TEST_CASE("numpy reads the npy file exactly after every append", "[npy]") {
  tmp_dir dir("npy");
  const std::string path = dir.file("chain-0.npy");
  const std::size_t dim = 7;
  auto w = npy_writer::create(path, dim);
  REQUIRE(w);
  auto empty = numpy_check(path, 0, dim);
  INFO(empty.output);
  CHECK(empty.status == 0);
  for (std::size_t i = 0; i < 5; ++i) {
    auto row = test_row(i, dim);
    REQUIRE(w->append(row));
    CHECK(std::filesystem::file_size(path) == npy_writer::k_header_size + (i + 1) * dim * 4);
    auto r = numpy_check(path, i + 1, dim);
    INFO(r.output);
    CHECK(r.status == 0);
  }
  CHECK(w->rows() == 5);
}

TEST_CASE("numpy reads a consistent prefix while rows are being appended", "[npy]") {
  tmp_dir dir("npy-live");
  const std::string path = dir.file("live.npy");
  const std::size_t dim = 16;
  auto w = npy_writer::create(path, dim);
  REQUIRE(w);
  std::atomic<bool> done{false};
  std::atomic<std::size_t> written{0};
  std::thread writer([&] {
    for (std::size_t i = 0; i < 100000 && !done.load(); ++i) {
      if (!w->append(test_row(i, dim))) break;
      written = i + 1;
    }
  });
  const std::string script =
      "import numpy as np, sys\n"
      "seen = 0\nshapes = set()\n"
      "for _ in range(50):\n"
      "    a = np.load(sys.argv[1])\n"
      "    r = a.shape[0]\n"
      "    assert a.shape[1] == 16\n"
      "    e = (np.arange(r)[:, None] * 1000 + np.arange(16)[None, :]).astype(np.float32) + 0.25\n"
      "    assert np.array_equal(a, e), r\n"
      "    seen = max(seen, r)\n    shapes.add(r)\n"
      "print('rows seen', seen, 'distinct', len(shapes))\n";
  auto r = run_command(std::string(SGMC_PYTHON) + " -c \"" + script + "\" " + path);
  done = true;
  writer.join();
  INFO(r.output);
  CHECK(r.status == 0);
  auto final_check = numpy_check(path, written.load(), dim);
  INFO(final_check.output);
  CHECK(final_check.status == 0);
}

TEST_CASE("creating an npy file in a missing folder is an io error naming the path", "[npy]") {
  auto w = npy_writer::create("/nonexistent-dir/x.npy", 3);
  REQUIRE_FALSE(w);
  CHECK(w.error().code == sgmc::errc::io);
  CHECK(w.error().message.find("/nonexistent-dir/x.npy") != std::string::npos);
}

TEST_CASE("records files are structured .npy that numpy and read_draw_stats read alike", "[npy]") {
  tmp_dir dir("npy-records");
  const std::string path = dir.file("chain-0.stats.npy");
  auto w = npy_writer::create_records(path, sgmc::engine::k_draw_stats_descr,
                                      sgmc::engine::k_draw_stats_bytes);
  REQUIRE(w);
  std::vector<sgmc::engine::draw_stats> rows;
  for (std::uint64_t i = 0; i < 4; ++i) {
    rows.push_back({i * 10, 0.5 * static_cast<double>(i), 1e-3, static_cast<std::int64_t>(i) - 1});
    REQUIRE(w->append_record(sgmc::engine::encode(rows.back())));
  }
  auto back = sgmc::engine::read_draw_stats(path);
  REQUIRE(back);
  CHECK(*back == rows);
  const std::string script =
      "import numpy as np, sys\n"
      "a = np.load(sys.argv[1])\n"
      "assert a.shape == (4,), a.shape\n"
      "assert list(a.dtype.names) == ['step', 'potential', 'step_size', 'staleness']\n"
      "assert list(a['step']) == [0, 10, 20, 30]\n"
      "assert list(a['potential']) == [0.0, 0.5, 1.0, 1.5]\n"
      "assert list(a['staleness']) == [-1, 0, 1, 2]\n"
      "print('ok')\n";
  auto r = run_command(std::string(SGMC_PYTHON) + " -c \"" + script + "\" " + path);
  INFO(r.output);
  CHECK(r.status == 0);
}

TEST_CASE("read_npy_f32 reads back what npy_writer wrote", "[npy]") {
  tmp_dir dir("npy-read");
  const std::string path = dir.file("m.npy");
  auto w = npy_writer::create(path, 3);
  REQUIRE(w);
  for (std::size_t i = 0; i < 5; ++i) REQUIRE(w->append(test_row(i, 3)));
  auto m = sgmc::engine::read_npy_f32(path);
  REQUIRE(m);
  CHECK(m->rows == 5);
  CHECK(m->cols == 3);
  CHECK(m->row(4)[2] == 4002.25f);
}

TEST_CASE("read_npy_f32 refuses malformed files with the file's name", "[npy]") {
  tmp_dir dir("npy-bad");
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir.file(name), std::ios::binary) << bytes;
    return dir.file(name);
  };
  auto fails_with = [](const std::string& path, const std::string& what) {
    auto m = sgmc::engine::read_npy_f32(path);
    REQUIRE_FALSE(m);
    INFO(m.error().message);
    CHECK(m.error().message.find(path) != std::string::npos);
    CHECK(m.error().message.find(what) != std::string::npos);
  };
  fails_with(write("magic.npy", "NOTNUMPY at all, not even close"), "bad magic");
  const std::string good = npy_writer::header(2, 3) + std::string(24, '\0');
  auto claims_more = npy_writer::header(1000000000, 3) + std::string(24, '\0');
  fails_with(write("short.npy", claims_more), "header announces 1000000000 rows");
  std::string f8 = good;
  f8.replace(f8.find("<f4"), 3, "<f8");
  fails_with(write("f8.npy", f8), "dtype '<f8'");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  fails_with(write("fortran.npy", fortran), "Fortran order");
  fails_with(write("cut.npy", good.substr(0, 40)), "truncated header");
  auto wrong = sgmc::engine::read_draw_stats(write("matrix.npy", good));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("expected [('step'") != std::string::npos);
  CHECK(sgmc::engine::read_npy_f32(write("good.npy", good)));
}
