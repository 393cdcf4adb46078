#include "sgmc/tools/progress.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

using sgmc::tools::progress;
using sgmc::tools::progress_options;

namespace {

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  int c = 0;
  while ((c = std::fgetc(f)) != EOF) out += static_cast<char>(c);
  return out;
}

std::size_t count(const std::string& s, char c) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), c));
}

}  // namespace

TEST_CASE("plain progress prints one line per 10 % of the run", "[progress]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  progress_options o;
  o.out = f;
  progress p(6400, 1, o);
  p.set_headline("acc", 0.8512);
  for (int i = 0; i < 6400; ++i) p.advance();
  p.finish();
  const std::string out = read_all(f);
  CHECK(count(out, '\n') == 10);
  CHECK(count(out, '\r') == 0);
  CHECK(out.find("step 6400/6400 100%") != std::string::npos);
  CHECK(out.find("acc 0.8512") != std::string::npos);
  std::fclose(f);
}

TEST_CASE("live progress rewrites one line and ends it at finish", "[progress]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  progress_options o;
  o.out = f;
  o.live = true;
  o.min_interval_s = 3600;  // only the first update and the last are due
  progress p(1000, 2, o);
  for (int i = 0; i < 2000; ++i) p.advance();
  p.finish();
  const std::string out = read_all(f);
  CHECK(count(out, '\n') == 1);
  CHECK(out.back() == '\n');
  CHECK(count(out, '\r') <= 3);
  CHECK(out.find("steps 2000/2000 (2 chains)") != std::string::npos);
  std::fclose(f);
}

TEST_CASE("quiet progress prints nothing", "[progress]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  progress_options o;
  o.out = f;
  o.quiet = true;
  progress p(100, 1, o);
  for (int i = 0; i < 100; ++i) p.advance();
  p.finish();
  CHECK(read_all(f).empty());
  std::fclose(f);
}

TEST_CASE("the status line shows rate and ETA", "[progress]") {
  progress_options o;
  o.quiet = true;
  progress p(1000, 1, o);
  const std::string s = p.status(250, 0.5);
  CHECK(s.find("step 250/1000") != std::string::npos);
  CHECK(s.find("500 steps/s") != std::string::npos);
  CHECK(s.find("ETA 2s") != std::string::npos);
}
