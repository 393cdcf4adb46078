#include "sgmc/engine/npy_writer.hpp"

#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
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
