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
  // elastic: each chain cut at its own step.
  {
    std::ofstream out(path);
    out << "{\"chain\": 0, \"step\": 100}\n{\"chain\": 1, \"step\": 100}\n"
        << "{\"chain\": 0, \"step\": 200}\n{\"chain\": 1, \"step\": 200}\n";
  }
  REQUIRE(resume_metrics(path, 0, {150, 250}));
  CHECK(slurp(path) ==
        "{\"chain\": 0, \"step\": 100}\n{\"chain\": 1, \"step\": 100}\n{\"chain\": 1, \"step\": "
        "200}\n");
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

namespace {

sgmc::protocols::worker_chain sample_chain(float x, bool pending, bool finished) {
  sgmc::protocols::worker_chain w;
  w.theta = {x, -x, 0.0f};
  w.kernel_state = {0.5f * x, -0.0f, 1e-40f};  // −0 and a subnormal momentum survive
  w.local_steps = 60;
  w.computed = 61;
  w.centre = {1.0f, 2.0f, 3.0f};
  w.centre_versions = {9};
  w.pending = pending;
  w.finished = finished;
  return w;
}

// A format-1 file written field by field, as sgmc before elastic checkpoints wrote it (no
// exchanged steps, no worker chains): an independent encoder of the old layout.
std::string format_one_file() {
  std::string payload;
  auto put = [&payload](const auto& x) {
    payload.append(reinterpret_cast<const char*>(&x), sizeof x);
  };
  const std::string config = "name = \"old\"\n";
  put(std::uint64_t{0x99});
  put(std::uint64_t{config.size()});
  payload += config;
  put(std::uint32_t{1});   // shards
  put(std::uint64_t{12});  // version
  put(2.5);                // potential
  put(std::uint64_t{2});   // θ
  for (float v : {1.0f, -1.0f}) put(v);
  put(std::uint64_t{0});  // kernel state
  put(std::uint32_t{2});  // computed
  for (std::uint64_t n : {12, 11}) put(n);
  put(std::uint32_t{1});  // draws
  put(std::uint64_t{2});
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : payload) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  std::string file = "SGMCCKPT";
  const std::uint32_t format = 1;
  const std::uint64_t length = payload.size();
  file.append(reinterpret_cast<const char*>(&format), sizeof format);
  file.append(reinterpret_cast<const char*>(&length), sizeof length);
  file += payload;
  file.append(reinterpret_cast<const char*>(&h), sizeof h);
  return file;
}

}  // namespace

TEST_CASE("a format-2 checkpoint keeps the elastic workers' chains bit for bit", "[checkpoint]") {
  auto c = sample_checkpoint();
  c.shards[0].exchanged = {60, 100};
  c.chains = {sample_chain(1.5f, true, false), sample_chain(-2.0f, false, true)};
  c.draws = {5, 9};
  const std::string bytes = encode_checkpoint(c);
  auto r = decode_checkpoint(bytes, "f");
  REQUIRE(r);
  CHECK(r->shards[0].exchanged == c.shards[0].exchanged);
  REQUIRE(r->chains.size() == 2);
  CHECK(r->chains[0] == c.chains[0]);
  CHECK(r->chains[1] == c.chains[1]);
  CHECK(std::signbit(r->chains[0].kernel_state[1]));
  CHECK(r->chains[0].kernel_state[2] == 1e-40f);
  CHECK(r->chains[0].pending);
  CHECK_FALSE(r->chains[0].finished);
  CHECK(r->chains[1].finished);
  CHECK(r->draws == c.draws);
  // Every cut inside the chains is refused, one line each.
  for (std::size_t n = bytes.size() - 60; n < bytes.size(); n += 7) {
    auto t = decode_checkpoint(bytes.substr(0, n), "f");
    REQUIRE_FALSE(t);
    CHECK(t.error().message.find('\n') == std::string::npos);
  }
}

TEST_CASE("a format-1 checkpoint is still read", "[checkpoint]") {
  auto r = decode_checkpoint(format_one_file(), "old");
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  CHECK(r->config == "name = \"old\"\n");
  CHECK(r->config_hash == 0x99);
  REQUIRE(r->shards.size() == 1);
  CHECK(r->shards[0].version == 12);
  CHECK(r->shards[0].theta == std::vector<float>{1.0f, -1.0f});
  CHECK(r->shards[0].exchanged.empty());
  CHECK(r->computed == std::vector<std::uint64_t>{12, 11});
  CHECK(r->draws == std::vector<std::uint64_t>{2});
  CHECK(r->chains.empty());
  // Format 3 is not one this sgmc reads.
  std::string three = format_one_file();
  three[8] = 3;
  auto t = decode_checkpoint(three, "new");
  REQUIRE_FALSE(t);
  CHECK(t.error().message.find("format version 3") != std::string::npos);
}

TEST_CASE("an elastic checkpoint waits for the master's part and every worker's chain",
          "[checkpoint]") {
  tmp_dir dir("ckpt_elastic");
  const auto path = dir.path() / "checkpoint";
  const sgmc::protocols::run_length run{100, 10, 5};
  checkpoint_writer w(path, "cfg\n", 7, run, 3, 1, true);
  REQUIRE(w.worker_chains());
  checkpoint_request m;
  m.state.version = 30;
  m.state.theta = {7.0f, 8.0f, 9.0f};
  // Worker 0's exchange after step 60 was applied; worker 1's after step 40 was not.
  m.state.exchanged = {60, 20};
  auto part = [](std::uint32_t worker, std::uint64_t id, std::uint64_t steps, bool pending) {
    chain_part p{id, worker, sample_chain(1.0f + worker, pending, false)};
    p.chain.local_steps = steps;
    return p;
  };
  REQUIRE(w.write_chain(part(0, 30, 60, true)));  // may come before the master's part
  REQUIRE(w.write(m));
  REQUIRE(w.write_chain(part(1, 30, 40, true)));
  CHECK_FALSE(std::filesystem::exists(path));  // worker 2 is missing
  REQUIRE(w.worker_done(2, 18));               // ... and done: its chain is over
  auto c = read_checkpoint(path);
  REQUIRE(c);
  REQUIRE(c->chains.size() == 3);
  CHECK(c->draws == std::vector<std::uint64_t>{(60 - 10) / 5, (40 - 10) / 5, 18});
  CHECK(c->computed == std::vector<std::uint64_t>{61, 61, 0});
  // Worker 0's exchange is settled: it holds the master's centre; worker 1's is sent again.
  CHECK_FALSE(c->chains[0].pending);
  CHECK(c->chains[0].centre == m.state.theta);
  CHECK(c->chains[0].centre_versions == std::vector<std::uint64_t>{30});
  CHECK(c->chains[1].pending);
  CHECK(c->chains[1].centre == std::vector<float>{1.0f, 2.0f, 3.0f});
  CHECK(c->chains[2].finished);
  CHECK(c->shards[0].exchanged == std::vector<std::uint64_t>{60, 20, 100});
  // A chain that holds a centre newer than the master's part takes the master's.
  std::filesystem::remove(path);
  m.state.version = 35;
  REQUIRE(w.write(m));
  auto ahead = part(0, 35, 70, false);
  ahead.chain.centre_versions = {36};
  REQUIRE(w.write_chain(ahead));
  REQUIRE(w.write_chain(part(1, 35, 70, false)));
  auto a = read_checkpoint(path);
  REQUIRE(a);
  CHECK(a->chains[0].centre == m.state.theta);
  CHECK(a->chains[0].centre_versions == std::vector<std::uint64_t>{35});
  CHECK(a->chains[1].centre == std::vector<float>{1.0f, 2.0f, 3.0f});  // version 9: kept
  // Parts of an overtaken checkpoint are dropped.
  std::filesystem::remove(path);
  m.state.version = 40;
  REQUIRE(w.write(m));
  REQUIRE(w.write_chain(part(0, 30, 70, false)));
  REQUIRE(w.write_chain(part(1, 30, 70, false)));
  CHECK_FALSE(std::filesystem::exists(path));
  REQUIRE(w.write_chain(part(0, 40, 70, false)));
  REQUIRE(w.write_chain(part(1, 40, 70, false)));
  REQUIRE(read_checkpoint(path));
  CHECK_FALSE(w.write_chain(part(3, 40, 70, false)));  // no worker 3
}
