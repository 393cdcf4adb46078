#pragma once
// The update-kernel interface and its factory. One sampler object per chain: it holds the
// per-chain state (momentum, preconditioner). Each kernel's header gives its update rule:
//   sgld.hpp  sghmc.hpp  sghmc_euler.hpp  sghmc_exact.hpp  psgld.hpp
//   sgld_lowp.hpp (`sgld` with `[precision] weights = fixed8 | bfp8`)
// The kinds "sgd" and "sgd-momentum" are sgld and sghmc at temperature 0.
//
// Kernels run over the flat vector in core::for_each_chunk's fixed chunks (TBB), draw their noise
// by global element index from the stream info.key (core::fill_normal) into a small per-block
// buffer that is consumed at once, and so give the same bits for any number of threads.

#include "sgmc/core/error.hpp"
#include "sgmc/core/rng.hpp"
#include "sgmc/samplers/precision.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sgmc::samplers {

/// The update kernels (`sampler.kind`), in the order of the docs.
enum class sampler_kind {
  sgld,
  sghmc,
  sghmc_euler,
  sghmc_exact,
  sgld_fp,
  psgld,
  sgd,
  sgd_momentum
};

/// The name of every sampler_kind, indexed by the enum: the one list of sampler names.
inline constexpr const char* sampler_kind_names[] = {
    "sgld", "sghmc", "sghmc-euler", "sghmc-exact", "sgld-fp", "psgld", "sgd", "sgd-momentum"};

/// Parses a name of sampler_kind_names (errc::invalid_config naming sampler.kind otherwise).
expected<sampler_kind> parse_sampler_kind(const std::string& name);
/// The config name of kind ("sgld-fp"), "unknown" for a value outside the enum.
const char* to_string(sampler_kind kind);

/// `[sampler]` hyperparameters (defaults documented in docs/config.md).
struct sampler_params {
  sampler_kind kind = sampler_kind::sgld;
  double step_size = 1e-4;   ///< ε (η for sghmc, h for sghmc-euler/-exact); see each kernel
  double temperature = 1.0;  ///< T: the noise variance is scaled by T (T = 0 switches noise off)
  /// sghmc: α in (0, 1]; sghmc-euler/-exact: γ > 0; sgd-momentum: 1 − momentum, in (0, 1]
  double friction = 0.1;
  double rmsprop_decay = 0.99;  ///< psgld: α of the running average of g², in [0, 1)
  double rmsprop_eps = 1e-5;    ///< psgld: λ > 0
  // sgld-fp: the mode is found first by SGD
  std::size_t fp_sgd_steps = 1000;
  double fp_step_size = 0.0;     ///< 0: use step_size
  std::size_t batch_size = 100;  ///< rows per minibatch (also sgld-fp's mode search), > 0
  /// N, the training set's size (psgld scales its gradient average by 1/N, as Li et al.); set
  /// by the caller from the model, not a config key. 0: a data-free target.
  std::size_t data_size = 0;
  /// `[precision]`: 8-bit θ for `sgld` (sgld_lowp.hpp); fp32, the default, changes nothing.
  precision_params precision;
};

/// Where a step stands: its index, step size and noise stream.
struct step_info {
  std::uint64_t step = 0;
  float step_size = 0.0f;  ///< this step's ε (from the schedule); kernels use it, not params
  core::rng_key key;       ///< {seed, chain, step}; kernels pick the stream (noise, noise2)
  /// Index of theta[0] in the chain's full vector: element i's noise is the normal at counter
  /// offset + i of the stream. 0 for a full vector; a master shard stepping the slice
  /// [o, o + n) passes o, and then gets bit for bit the values the full-vector step gives on
  /// those elements when o is a multiple of 256 (the kernels' block size; shard slices are).
  std::uint64_t offset = 0;
};

class sampler {
 public:
  virtual ~sampler() = default;
  virtual std::string name() const = 0;
  /// Length of the vectors it updates.
  virtual std::size_t dim() const = 0;
  /// One update θ ← θ' given grad = ∇Û(θ) (both of length dim(), asserted). Returns false when
  /// some updated value (θ or the kernel's state) is not finite; the check is fused into the
  /// kernel's pass. θ and the state are then as the failing update left them: the caller
  /// restores θ (chain does) and should reset() before going on.
  virtual bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) = 0;
  /// Forget the per-chain state (momentum back to zero, ...).
  virtual void reset() = 0;
  /// The per-chain state as floats, for a checkpoint (momentum, preconditioner, 8-bit weights;
  /// empty for a stateless kernel such as sgld).
  virtual std::vector<float> save_state() const { return {}; }
  /// Restores what save_state() gave on a kernel of the same kind and dim; false (nothing
  /// changed) when `state` does not fit.
  virtual bool load_state(std::span<const float> state) { return state.empty(); }
  /// True when the kernel injects noise (false for sgd, sgd-momentum, or temperature 0).
  virtual bool is_stochastic() const = 0;
};

/// Checks every field that params.kind uses; errc::invalid_config naming the key as
/// `sampler.<key>` ("sampler.step_size must be > 0, got -1"), and params.precision (8-bit
/// weights only with kind sgld).
expected<void> validate(const sampler_params& params);

/// Builds the kernel named by params.kind for vectors of length dim, after validate(). For
/// sgld_fp it returns the SGLD kernel (named "sgld-fp"); the control variate lives in the
/// gradient (see control_variate.hpp: find_mode, control_variate_source).
expected<std::unique_ptr<sampler>> make_sampler(const sampler_params& params, std::size_t dim);

}  // namespace sgmc::samplers
