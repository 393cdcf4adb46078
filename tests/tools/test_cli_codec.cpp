// System tests: `[codec]` from the command line to the wire. A run's trace counts the encoded
// bytes (qsgd at 4 bits, bfp8) where a run without a codec counts 4 bytes a float, in the
// embedded runtime and in the simulator alike; and a bad [codec] is a one-line config error.
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <string>

using sgmc::test::run_command;
using sgmc::test::tmp_dir;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_logreg = std::string(SGMC_SOURCE_DIR) + "/examples/logreg.toml";
// Logistic regression on 511 synthetic features: θ has 512 values.
const std::string k_sets =
    " --quiet --set sampler.kind=sgld --set protocol.kind=async --set protocol.workers=2"
    " --set run.steps=300 --set run.burnin=0 --set run.eval_every=300"
    " --set data.synthetic_features=511 --set data.train_size=400 --set data.test_size=100";

struct type_bytes {
  double sent = 0;
  double bytes = 0;
  double per_message() const { return bytes / sent; }
};

// {"push": {"sent": N, "sent_bytes": B, ...}} of the first node in `sgmc trace summary --json`.
type_bytes bytes_of(const std::string& json, const std::string& type) {
  const std::regex re("\"" + type + "\": \\{\"sent\": ([0-9]+), \"sent_bytes\": ([0-9]+)");
  std::smatch m;
  INFO(json);
  REQUIRE(std::regex_search(json, m, re));
  return {std::stod(m[1]), std::stod(m[2])};
}

std::string summary(const std::string& dir) {
  auto r = run_command(k_sgmc + " trace summary " + dir + " --json");
  INFO(r.output);
  REQUIRE(r.status == 0);
  return r.output;
}

void check_smaller(const std::string& plain_dir, const std::string& coded_dir) {
  const auto plain = summary(plain_dir), coded = summary(coded_dir);
  const auto pp = bytes_of(plain, "push"), cp = bytes_of(coded, "push");
  const auto pt = bytes_of(plain, "params"), ct = bytes_of(coded, "params");
  // Plain: 33 fixed + 8 + 4 × 512 bytes a push. qsgd, 4 bits: 12-byte header, a norm per
  // bucket of 512 and half a byte a value, about 300 bytes. bfp8 (B = 32): 1 + 1/32 bytes a
  // value, about 540 of the plain 2,068 of params.
  CHECK(pp.per_message() == Approx(33 + 8 + 4 * 512));
  CHECK(cp.per_message() < 0.2 * pp.per_message());
  CHECK(cp.per_message() > 0.1 * pp.per_message());
  CHECK(pt.per_message() == Approx(12 + 8 + 4 * 512));
  CHECK(ct.per_message() < 0.3 * pt.per_message());
  CHECK(ct.per_message() > 0.25 * pt.per_message());
  // Samples to the collector are never encoded.
  CHECK(bytes_of(coded, "sample").per_message() == bytes_of(plain, "sample").per_message());
}

}  // namespace

TEST_CASE("sgmc run with [codec]: the trace counts the encoded bytes of pushes and params",
          "[system]") {
  tmp_dir dir("cli-codec-run");
  const auto plain = dir.file("plain"), coded = dir.file("coded");
  auto a = run_command(k_sgmc + " run " + k_logreg + k_sets + " --out " + plain);
  INFO(a.output);
  REQUIRE(a.status == 0);
  auto b = run_command(k_sgmc + " run " + k_logreg + k_sets + " --out " + coded +
                       " --set codec.push=qsgd --set codec.bits=4 --set codec.pull=bfp8");
  INFO(b.output);
  REQUIRE(b.status == 0);
  check_smaller(plain, coded);
}

TEST_CASE("sgmc simulate with [codec]: virtual messages carry the encoded bytes", "[system]") {
  tmp_dir dir("cli-codec-sim");
  const auto plain = dir.file("plain"), coded = dir.file("coded");
  auto a = run_command(k_sgmc + " simulate " + k_logreg + k_sets + " --out " + plain);
  INFO(a.output);
  REQUIRE(a.status == 0);
  auto b = run_command(k_sgmc + " simulate " + k_logreg + k_sets + " --out " + coded +
                       " --set codec.push=qsgd --set codec.bits=4 --set codec.pull=bfp8");
  INFO(b.output);
  REQUIRE(b.status == 0);
  check_smaller(plain, coded);
}

TEST_CASE("a bad [codec] is a config error naming the key", "[system]") {
  tmp_dir dir("cli-codec-bad");
  auto r = run_command(k_sgmc + " run " + k_logreg + k_sets + " --out " + dir.file("x") +
                       " --set codec.push=gzip");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("codec.push") && Catch::Contains("qsgd"));
  r = run_command(k_sgmc + " run " + k_logreg + k_sets + " --out " + dir.file("y") +
                  " --set codec.push=atomo-svd --set protocol.shards=2");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("protocol.shards = 1"));
  r = run_command(k_sgmc + " run " + k_logreg + k_sets + " --out " + dir.file("z") +
                  " --set codec.bits=40");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("codec.bits"));
}
