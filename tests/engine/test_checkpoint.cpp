#include "sgmc/engine/checkpoint.hpp"

#include "sgmc/engine/npy_reader.hpp"
#include "sgmc/engine/npy_writer.hpp"

#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace sgmc::engine;
using sgmc::test::tmp_dir;

namespace {

checkpoint sample_checkpoint() {
  checkpoint c;
  c.config = "name = \"x\"\n[run]\nsteps = 100\n";
  c.config_hash = 0x1234;
  sgmc::protocols::master_state s;
  s.version = 42;
  s.theta = {1.5f, -2.0f, 0.25f};
  s.kernel_state = {0.5f, 0.125f, -1.0f};
  s.potential = 3.75;
  c.shards.push_back(s);
  c.computed = {42, 41};
  c.draws = {7};
  return c;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a checkpoint written atomically reads back field for field", "[checkpoint]") {
  tmp_dir dir("ckpt_roundtrip");
  const auto path = dir.path() / "checkpoint";
  const auto c = sample_checkpoint();
  REQUIRE(write_checkpoint(path, c));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "checkpoint.tmp"));
  auto r = read_checkpoint(path);
  REQUIRE(r);
  CHECK(r->config == c.config);
  CHECK(r->config_hash == c.config_hash);
  REQUIRE(r->shards.size() == 1);
  CHECK(r->shards[0].version == 42);
  CHECK(r->shards[0].theta == c.shards[0].theta);
  CHECK(r->shards[0].kernel_state == c.shards[0].kernel_state);
  CHECK(r->shards[0].potential == 3.75);
  CHECK(r->computed == c.computed);
  CHECK(r->draws == c.draws);
  CHECK(r->theta() == c.shards[0].theta);
}

TEST_CASE("a corrupt or truncated checkpoint is refused with a one-line error", "[checkpoint]") {
  const std::string good = encode_checkpoint(sample_checkpoint());
  REQUIRE(decode_checkpoint(good, "f"));
  SECTION("one flipped bit in θ fails the checksum") {
    std::string bad = good;
    bad[bad.size() / 2] ^= 0x10;
    auto r = decode_checkpoint(bad, "f");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == sgmc::errc::invalid_data);
    CHECK(r.error().message.find("checksum") != std::string::npos);
  }
  SECTION("a truncated file") {
    for (std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{20}, good.size() - 1}) {
      auto r = decode_checkpoint(good.substr(0, n), "f");
      REQUIRE_FALSE(r);
      CHECK(r.error().message.find("checkpoint f:") == 0);
      CHECK(r.error().message.find('\n') == std::string::npos);
    }
  }
  SECTION("another file") {
    auto r = decode_checkpoint("{\"not\": \"a checkpoint\"}", "f");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("not an sgmc checkpoint") != std::string::npos);
  }
  SECTION("a missing file") {
    auto r = read_checkpoint("/nonexistent/checkpoint");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == sgmc::errc::io);
  }
}

TEST_CASE("a checkpoint of another config names the first line that differs", "[checkpoint]") {
  const auto c = sample_checkpoint();
  CHECK(check_config(c, c.config, c.config_hash, "f"));
  auto r = check_config(c, "name = \"x\"\n[run]\nsteps = 200\n", c.config_hash, "f");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == sgmc::errc::invalid_config);
  CHECK(r.error().message.find("`steps = 100` where this config has `steps = 200`") !=
        std::string::npos);
  CHECK_FALSE(check_config(c, c.config, c.config_hash + 1, "f"));
}

TEST_CASE("draws written by a version follow burnin and thin", "[checkpoint]") {
  sgmc::protocols::run_length run{100, 10, 3, 1};
  CHECK(draws_at(run, 0) == 0);
  CHECK(draws_at(run, 10) == 0);
  CHECK(draws_at(run, 12) == 0);
  CHECK(draws_at(run, 13) == 1);
  CHECK(draws_at(run, 100) == 30);
}

TEST_CASE("reopening a samples file keeps the checkpoint's rows and cuts the rest",
          "[checkpoint]") {
  tmp_dir dir("ckpt_reopen");
  const auto path = (dir.path() / "chain-0.npy").string();
  {
    auto w = npy_writer::create(path, 2);
    REQUIRE(w);
    for (int i = 0; i < 5; ++i) REQUIRE(w->append(std::vector<float>{1.0f * i, 2.0f * i}));
  }
  {
    auto w = npy_writer::reopen(path, 2, 3);
    REQUIRE(w);
    CHECK(w->rows() == 3);
    REQUIRE(w->append(std::vector<float>{9.0f, 9.5f}));
  }
  auto m = read_npy_f32(path);
  REQUIRE(m);
  REQUIRE(m->rows == 4);
  CHECK(m->row(2)[1] == 4.0f);
  CHECK(m->row(3)[0] == 9.0f);
  auto fewer = npy_writer::reopen(path, 2, 10);
  REQUIRE_FALSE(fewer);
  CHECK(fewer.error().code == sgmc::errc::invalid_data);
}

TEST_CASE("resuming cuts metrics records after the checkpoint's step", "[checkpoint]") {
  tmp_dir dir("ckpt_metrics");
  const auto path = dir.path() / "metrics.jsonl";
  {
    std::ofstream out(path);
    out << "{\"chain\": 0, \"step\": 100, \"wall_s\": 1}\n"
        << "{\"chain\": 0, \"step\": 200, \"wall_s\": 2}\n"
        << "{\"chain\": 0, \"step\": 300, \"wall_s\": 3}\n";
  }
  REQUIRE(resume_metrics(path, 250));
  CHECK(slurp(path) ==
        "{\"chain\": 0, \"step\": 100, \"wall_s\": 1}\n{\"chain\": 0, \"step\": 200, \"wall_s\": "
        "2}\n");
}

TEST_CASE("a sharded checkpoint is written once every shard sent its part of one version",
          "[checkpoint]") {
  tmp_dir dir("ckpt_shards");
  const auto path = dir.path() / "checkpoint";
  const sgmc::protocols::run_length run{100, 10, 5};
  checkpoint_writer w(path, "cfg\n", 7, run, 1, 2);
  auto part = [](std::uint32_t shard, std::uint64_t version, float x,
                 std::vector<std::uint64_t> computed) {
    checkpoint_request r;
    r.shard = shard;
    r.state.version = version;
    r.state.theta = {x, x + 1.0f};
    r.computed = std::move(computed);
    return r;
  };
  REQUIRE(w.write(part(1, 40, 10.0f, {40, 39})));
  CHECK_FALSE(std::filesystem::exists(path));     // shard 0's part of version 40 is missing
  REQUIRE(w.write(part(0, 50, 1.0f, {50, 50})));  // a newer cut: version 40's part is dropped
  CHECK_FALSE(std::filesystem::exists(path));
  REQUIRE(w.write(part(1, 50, 3.0f, {49, 50})));
  auto c = read_checkpoint(path);
  REQUIRE(c);
  REQUIRE(c->shards.size() == 2);
  CHECK(c->shards[0].version == 50);
  CHECK(c->shards[1].version == 50);
  CHECK(c->theta() == std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f});
  CHECK(c->computed == std::vector<std::uint64_t>{50, 50});
  CHECK(c->draws == std::vector<std::uint64_t>{(50 - 10) / 5});
  CHECK_FALSE(w.write(part(2, 60, 0.0f, {})));  // no shard 2
}
