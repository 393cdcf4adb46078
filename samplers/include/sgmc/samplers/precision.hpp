#pragma once
// `[precision]`: the number format of θ for low-precision SGLD (sgld_lowp.hpp) — Zhang, Wilson
// & De Sa, "Low-Precision Stochastic Gradient Langevin Dynamics", ICML 2022 (arXiv:2206.09909).
//   weights      fp32 (default: the plain kernels, nothing changes) | fixed8 | bfp8
//   quantizer    naive | vc         (how a low accumulator is rounded; ignored with full)
//   accumulator  full | low         (SGLDLP-F: fp32 accumulator, 8-bit weights for the gradient;
//                                    SGLDLP-L: only the 8-bit weights)
//   fraction_bits  fixed8: f, a value is q·2^−f with q in [−128, 127]
//   block_size     bfp8: values sharing one exponent, a power of two in [8, 256]

#include "sgmc/core/error.hpp"

#include <cstddef>
#include <string>

namespace sgmc::samplers {

enum class weights_format { fp32, fixed8, bfp8 };
inline constexpr const char* weights_format_names[] = {"fp32", "fixed8", "bfp8"};

enum class quantizer_kind { naive, vc };
inline constexpr const char* quantizer_kind_names[] = {"naive", "vc"};

enum class accumulator_kind { full, low };
inline constexpr const char* accumulator_kind_names[] = {"full", "low"};

expected<weights_format> parse_weights_format(const std::string& name);
expected<quantizer_kind> parse_quantizer_kind(const std::string& name);
expected<accumulator_kind> parse_accumulator_kind(const std::string& name);
const char* to_string(weights_format w);
const char* to_string(quantizer_kind q);
const char* to_string(accumulator_kind a);

/// `[precision]` (defaults documented in docs/config.md).
struct precision_params {
  weights_format weights = weights_format::fp32;
  quantizer_kind quantizer = quantizer_kind::vc;
  accumulator_kind accumulator = accumulator_kind::full;
  int fraction_bits = 6;        ///< fixed8: f in [−64, 64]; grid step Δ = 2^−f
  std::size_t block_size = 32;  ///< bfp8: a power of two in [8, 256]
};

/// Checks the fields (errc::invalid_config naming `precision.<key>`).
expected<void> validate(const precision_params& p);

}  // namespace sgmc::samplers
