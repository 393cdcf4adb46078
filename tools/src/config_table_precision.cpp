// The keys of [precision] (samplers/precision.hpp, docs/samplers.md "Low-precision SGLD"):
// 8-bit θ for `sampler.kind = "sgld"`.
#include "config_key_builders.hpp"

namespace sgmc::tools::detail {

void add_precision_keys(std::vector<config_key>& keys) {
  const std::string_view s = "precision";
  keys.push_back(enum_key(s, "weights", samplers::weights_format_names,
                          samplers::parse_weights_format, SGMC_FIELD(sampler.precision.weights),
                          "θ's number format: `fp32` the plain kernels; `fixed8` int8 q·2^−f; "
                          "`bfp8` int8 mantissas with one exponent per block (`sgld` only)"));
  keys.push_back(enum_key(s, "quantizer", samplers::quantizer_kind_names,
                          samplers::parse_quantizer_kind, SGMC_FIELD(sampler.precision.quantizer),
                          "`low` accumulator: `naive` stochastic rounding of the noisy update; "
                          "`vc` Zhang et al.'s variance-corrected quantiser"));
  keys.push_back(enum_key(s, "accumulator", samplers::accumulator_kind_names,
                          samplers::parse_accumulator_kind,
                          SGMC_FIELD(sampler.precision.accumulator),
                          "`full`: an fp32 accumulator, gradients at its 8-bit rounding "
                          "(SGLDLP-F); `low`: θ held only in 8 bits (SGLDLP-L)"));
  keys.push_back(int_key(s, "fraction_bits", int_range{-64, 64},
                         SGMC_FIELD(sampler.precision.fraction_bits),
                         "`fixed8`: f, a value is q·2^−f, q in [−128, 127]"));
  keys.push_back(int_key(s, "block_size", int_range{8, 256},
                         SGMC_FIELD(sampler.precision.block_size),
                         "`bfp8`: values sharing one exponent, a power of two"));
}

}  // namespace sgmc::tools::detail
