#pragma once
// Naive serial references of every kernel: one plain loop over the whole vector, the noise of
// the whole vector drawn at once with core::fill_normal (so element i gets the same draw as in
// the chunked kernels), the coefficients computed as the kernels compute them. The parallel,
// fused kernels are compared to these in test_kernels.cpp.

#include "sgmc/core/rng.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/sghmc_exact.hpp"

#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace sgmc::test {

using vec = std::vector<float>;

inline vec normals(core::rng_key key, core::rng_stream stream, std::size_t n) {
  key.stream = stream;
  vec z(n);
  core::fill_normal(key, 0, z);
  return z;
}

inline void ref_sgld(vec& theta, const vec& g, const samplers::step_info& info, double T) {
  const double eps = info.step_size;
  const auto drift = static_cast<float>(0.5 * eps), scale = static_cast<float>(std::sqrt(eps * T));
  const vec z = normals(info.key, core::rng_stream::noise, theta.size());
  for (std::size_t i = 0; i < theta.size(); ++i) theta[i] = theta[i] - drift * g[i] + scale * z[i];
}

inline void ref_sgd(vec& theta, const vec& g, const samplers::step_info& info) {
  const auto drift = static_cast<float>(0.5 * static_cast<double>(info.step_size));
  for (std::size_t i = 0; i < theta.size(); ++i) theta[i] -= drift * g[i];
}

inline void ref_sghmc(vec& theta, vec& v, const vec& g, const samplers::step_info& info,
                      double alpha, double T) {
  const double eta = info.step_size;
  const auto scale = static_cast<float>(std::sqrt(2.0 * alpha * eta * T));
  const vec z = normals(info.key, core::rng_stream::noise, theta.size());
  for (std::size_t i = 0; i < theta.size(); ++i) {
    v[i] = static_cast<float>(1.0 - alpha) * v[i] - static_cast<float>(eta) * g[i] + scale * z[i];
    theta[i] += v[i];
  }
}

inline void ref_sgd_momentum(vec& theta, vec& v, const vec& g, const samplers::step_info& info,
                             double alpha) {
  for (std::size_t i = 0; i < theta.size(); ++i) {
    v[i] = static_cast<float>(1.0 - alpha) * v[i] - info.step_size * g[i];
    theta[i] += v[i];
  }
}

inline void ref_sghmc_euler(vec& theta, vec& v, const vec& g, const samplers::step_info& info,
                            double gamma, double T) {
  const double h = info.step_size;
  const auto scale = static_cast<float>(std::sqrt(2.0 * gamma * h * T));
  const vec z = normals(info.key, core::rng_stream::noise, theta.size());
  for (std::size_t i = 0; i < theta.size(); ++i) {
    const float v_old = v[i];
    v[i] =
        static_cast<float>(1.0 - h * gamma) * v_old - static_cast<float>(h) * g[i] + scale * z[i];
    theta[i] += static_cast<float>(h) * v_old;
  }
}

inline void ref_sghmc_exact(vec& theta, vec& v, const vec& g, const samplers::step_info& info,
                            double gamma, double T) {
  const auto c = samplers::make_sghmc_exact_coefficients(info.step_size, gamma, T);
  const vec z1 = normals(info.key, core::rng_stream::noise, theta.size());
  const vec z2 = normals(info.key, core::rng_stream::noise2, theta.size());
  for (std::size_t i = 0; i < theta.size(); ++i) {
    const float v_old = v[i];
    const float xi_v = static_cast<float>(c.l11) * z1[i];
    const float xi_t = static_cast<float>(c.l21) * z1[i] + static_cast<float>(c.l22) * z2[i];
    v[i] = static_cast<float>(c.e) * v_old - static_cast<float>(c.a_vg) * g[i] + xi_v;
    theta[i] += static_cast<float>(c.a_tv) * v_old - static_cast<float>(c.a_tg) * g[i] + xi_t;
  }
}

inline void ref_psgld(vec& theta, vec& ms, const vec& g, const samplers::step_info& info,
                      double decay, double lambda, double T) {
  const double eps = info.step_size;
  const vec z = normals(info.key, core::rng_stream::noise, theta.size());
  for (std::size_t i = 0; i < theta.size(); ++i) {
    ms[i] = static_cast<float>(decay) * ms[i] + static_cast<float>(1.0 - decay) * g[i] * g[i];
    const float G = 1.0f / (static_cast<float>(lambda) + std::sqrt(ms[i]));
    theta[i] += -static_cast<float>(0.5 * eps) * G * g[i] +
                static_cast<float>(std::sqrt(eps * T)) * std::sqrt(G) * z[i];
  }
}

// SGLD with the noise scale √(2εT) of the continuous-time convention: the error the
// statistical tests must catch.
class sgld_wrong_noise final : public samplers::sampler {
 public:
  sgld_wrong_noise(std::size_t dim, double T) : dim_(dim), T_(T) {}
  std::string name() const override { return "sgld-wrong-noise"; }
  std::size_t dim() const override { return dim_; }
  bool step(std::span<float> theta, std::span<const float> grad,
            const samplers::step_info& info) override {
    std::vector<float> z(dim_);
    core::fill_normal(info.key, 0, z);
    const double eps = info.step_size;
    for (std::size_t i = 0; i < dim_; ++i)
      theta[i] += static_cast<float>(-0.5 * eps * grad[i] + std::sqrt(2.0 * eps * T_) * z[i]);
    return true;
  }
  void reset() override {}
  bool is_stochastic() const override { return true; }

 private:
  std::size_t dim_;
  double T_;
};

}  // namespace sgmc::test
