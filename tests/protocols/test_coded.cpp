// `[codec]` on the protocols (protocols/src/coded.hpp): what travels is the codec's bytes, what
// the receiver uses is what they decode to, and a payload of the wrong form is refused.

#include "helpers.hpp"

#include <cmath>
#include <numeric>

namespace {

using namespace sgmc::test;
using pr::codec_kind;
using pr::protocol_kind;

pr::codec_params codec(codec_kind kind) {
  pr::codec_params c;
  c.kind = kind;
  c.bits = 4;
  c.fraction = 0.5;
  c.fraction_bits = 6;
  c.bucket_size = 64;
  return c;
}

std::vector<float> decoded(const pr::codec_params& c, const pr::payload& p, std::size_t n) {
  auto v = pr::decode(c, p.encoded, n);
  if (!v) FAIL(v.error().message);
  return *v;
}

}  // namespace

TEST_CASE("with a push codec, pushes travel encoded and the master steps with what they decode to",
          "[protocols][codec]") {
  const std::size_t dim = 300;
  auto cfg = quadratic_config(protocol_kind::async, 2, 1, dim, 100);
  cfg.protocol.codec.push = codec(codec_kind::qsgd);
  const float eps = static_cast<float>(cfg.sampler.step_size);
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  for (int i = 0; i < 6; ++i) run_first(*d, any_event(), "start-up");
  std::vector<std::vector<float>> grads;
  for (const auto& e : d->pending()) {
    const auto& p = std::get<pr::push>(e.env.msg);
    CHECK(p.data.values.empty());
    // 4 bits a value and a norm per 64 values: well under the 1,200 bytes of plain floats.
    CHECK(p.data.encoded.size() < dim * 4 / 4);
    CHECK(p.data.encoded.size() >= dim / 2);
    grads.push_back(decoded(cfg.protocol.codec.push, p.data, dim));
  }
  REQUIRE(grads.size() == 2);
  CHECK(grads[0] != grads[1]);
  std::vector<float> want = cfg.theta0;
  for (pr::version_t v = 0; v < 2; ++v) {
    run_first(*d, push_from(static_cast<pr::worker_id>(v)), "push");
    std::vector<float> z(want.size());
    sgmc::core::fill_normal({cfg.run.seed, 0, v, sgmc::core::rng_stream::noise}, 0, z);
    for (std::size_t j = 0; j < want.size(); ++j)
      want[j] = want[j] - 0.5f * eps * grads[v][j] + std::sqrt(eps) * z[j];
  }
  const auto got = d->master(0).theta();
  for (std::size_t j = 0; j < want.size(); ++j)
    CHECK(got[j] == Approx(want[j]).epsilon(1e-6).margin(1e-6));
  // The answers are plain floats: the pull codec is identity.
  for (const auto& e : d->pending())
    if (const auto* r = std::get_if<pr::theta_reply>(&e.env.msg)) {
      CHECK(r->data.encoded.empty());
      CHECK(r->data.values.size() == dim);
    }
}

TEST_CASE("with a pull codec, a worker holds the θ its params decode to", "[protocols][codec]") {
  const std::size_t dim = 256;
  auto cfg = quadratic_config(protocol_kind::async, 2, 1, dim, 100);
  cfg.protocol.codec.pull = codec(codec_kind::fixed8);
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  for (int i = 0; i < 2; ++i) run_first(*d, any_event(), "pulls");
  REQUIRE(d->pending().size() == 2);
  const auto& r = std::get<pr::theta_reply>(d->pending().front().env.msg);
  const auto to = d->pending().front().env.to.index;
  REQUIRE(r.data.values.empty());
  CHECK(r.data.encoded.size() < dim * 4 / 3);  // one byte a value and a header
  const auto want = decoded(cfg.protocol.codec.pull, r.data, dim);
  CHECK(want != cfg.theta0);  // 8-bit fixed point rounds θ_0
  run_first(*d, params_to(to), "params");
  const auto got = d->worker(to).theta();
  REQUIRE(got.size() == dim);
  CHECK(same_bits(got, want));
}

TEST_CASE("a payload of the wrong form or a broken encoding is rejected as malformed",
          "[protocols][codec][rejections]") {
  const std::size_t dim = 256;
  auto cfg = quadratic_config(protocol_kind::async, 1, 1, dim, 100);
  cfg.protocol.codec.push = codec(codec_kind::random_sparse);
  auto d = make_driver(cfg);
  SGMC_REQUIRE_OK(d->start());
  for (int i = 0; i < 3; ++i) run_first(*d, any_event(), "start-up");
  REQUIRE(d->pending().size() == 1);
  const auto good = std::get<pr::push>(d->pending().front().env.msg);
  REQUIRE(!good.data.encoded.empty());
  pr::outbox out;

  auto plain = good;
  plain.data.encoded.clear();
  plain.data.values.assign(dim, 1.0f);
  const auto malformed = [&] {
    return d->master(0).rejected()[static_cast<std::size_t>(pr::rejection_reason::malformed)];
  };
  SGMC_REQUIRE_OK(d->master(0).on_push(plain, out));
  REQUIRE(out.rejected.size() == 1);
  CHECK(out.rejected[0].reason == pr::rejection_reason::malformed);
  CHECK_THAT(out.rejected[0].detail, Catch::Contains("plain floats"));
  CHECK(malformed() == 1);

  auto cut = good;
  cut.seq = good.seq + 1;
  cut.data.encoded.resize(cut.data.encoded.size() / 2);
  out.clear();
  SGMC_REQUIRE_OK(d->master(0).on_push(cut, out));
  REQUIRE(out.rejected.size() == 1);
  CHECK_THAT(out.rejected[0].detail, Catch::Contains("worker 0"));
  CHECK(malformed() == 2);

  auto both = good;
  both.seq = good.seq + 2;
  both.data.values.assign(dim, 1.0f);
  out.clear();
  SGMC_REQUIRE_OK(d->master(0).on_push(both, out));
  CHECK(malformed() == 3);
  CHECK(d->master(0).version() == 0);
  // Each was answered with θ_0 (the worker computes again).
  REQUIRE(out.send.size() == 1);
  CHECK(std::get<pr::theta_reply>(out.send[0].msg).version == 0);

  // A worker whose pull codec is identity refuses encoded params.
  pr::theta_reply params{0, 0, {}};
  params.data.encoded = good.data.encoded;
  auto w = d->worker(0).on_theta_reply(params, out);
  REQUIRE(!w);
  CHECK(w.error().code == sgmc::errc::protocol);
  CHECK_THAT(w.error().message, Catch::Contains("encoded payload where plain floats"));
}

TEST_CASE("a codec's bytes depend on the sender, the shard and the message", "[protocols][codec]") {
  const std::size_t dim = 600;
  auto cfg = quadratic_config(protocol_kind::async, 2, 2, dim, 100);
  cfg.protocol.codec.push = codec(codec_kind::random_sparse);
  auto run_once = [&] {
    auto d = make_driver(cfg);
    SGMC_REQUIRE_OK(d->start());
    for (int i = 0; i < 10; ++i) run_first(*d, any_event(), "start-up");  // pulls, params, computes
    std::vector<std::vector<std::byte>> bytes;
    for (const auto& e : d->pending())
      if (const auto* p = std::get_if<pr::push>(&e.env.msg)) bytes.push_back(p->data.encoded);
    return bytes;
  };
  const auto a = run_once();
  REQUIRE(a.size() == 4);  // two workers, two shards
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = i + 1; j < a.size(); ++j) CHECK(a[i] != a[j]);
  CHECK(run_once() == a);  // and on nothing else
}

TEST_CASE("every protocol runs with codecs both ways and keeps the target's mean",
          "[protocols][codec]") {
  // On the quadratic target N(0.5, 2 I) the gradient is linear, so an unbiased codec's noise
  // leaves the stationary mean of θ at 0.5 exactly; a master or worker that used the encoded
  // payload wrongly (zeros, a wrong scale) would move it. Mean over 256 coordinates and the
  // draws after burn-in (ε = 0.1: θ relaxes in about 40 steps, so 2,500 steps give some 30
  // independent draws a coordinate): standard error ≈ √(2 / (256 · 30)) ≈ 0.016.
  for (auto kind : {protocol_kind::sync, protocol_kind::async, protocol_kind::ssp,
                    protocol_kind::downpour, protocol_kind::elastic}) {
    INFO("protocol " << pr::to_string(kind));
    auto cfg = quadratic_config(kind, 2, 1, 256, 3000, 0.0);
    cfg.sampler.step_size = 0.1;
    cfg.run.burnin = 500;
    cfg.run.thin = 10;
    cfg.protocol.push_every = 2;
    cfg.protocol.elastic_period = 4;
    cfg.protocol.codec.push = codec(codec_kind::random_sparse);
    cfg.protocol.codec.pull = codec(codec_kind::bfp8);
    auto d = make_driver(cfg);
    SGMC_REQUIRE_OK(d->start());
    SGMC_REQUIRE_OK(d->run());
    REQUIRE(!d->draws().empty());
    double sum = 0.0;
    std::size_t n = 0;
    for (const auto& dr : d->draws()) {
      sum += std::accumulate(dr.theta.begin(), dr.theta.end(), 0.0);
      n += dr.theta.size();
    }
    CHECK(sum / static_cast<double>(n) == Approx(0.5).margin(0.06));
  }
}
