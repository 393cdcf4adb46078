#pragma once
// The kinds of the `[model]` and `[data]` sections: one enum each, and one table of names each,
// indexed by the enum (the config key table offers these names; docs/config.md lists them).
// parse_... turns a name into the enum (errc::invalid_config naming the key and the allowed
// names otherwise); to_string gives the name back.
#include "sgmc/core/error.hpp"

#include <string>

namespace sgmc::models {

/// `model.kind`
enum class model_kind { gaussian, linreg, logreg, softmax, mlp, mixture };
inline constexpr const char* model_kind_names[] = {"gaussian", "linreg", "logreg",
                                                   "softmax",  "mlp",    "mixture"};
/// True for the targets without data (`gaussian`, `mixture`): no `[data]` is read for them.
inline constexpr bool is_data_free(model_kind kind) {
  return kind == model_kind::gaussian || kind == model_kind::mixture;
}
expected<model_kind> parse_model_kind(const std::string& name);
const char* to_string(model_kind kind);

/// `model.activation`: the hidden layers' activation of mlp.
enum class activation { relu, tanh };
inline constexpr const char* activation_names[] = {"relu", "tanh"};
expected<activation> parse_activation(const std::string& name);
const char* to_string(activation act);

/// `data.format`
enum class data_format { idx, csv, libsvm, synthetic };
inline constexpr const char* data_format_names[] = {"idx", "csv", "libsvm", "synthetic"};
expected<data_format> parse_data_format(const std::string& name);
const char* to_string(data_format format);

/// `data.standardize`: auto is scale for idx and zscore otherwise.
enum class standardize_mode { automatic, none, scale, zscore };
inline constexpr const char* standardize_mode_names[] = {"auto", "none", "scale", "zscore"};
expected<standardize_mode> parse_standardize_mode(const std::string& name);
const char* to_string(standardize_mode mode);

/// `data.generator`: the synthetic data's model.
enum class synthetic_generator { linreg, logreg, softmax };
inline constexpr const char* synthetic_generator_names[] = {"linreg", "logreg", "softmax"};
expected<synthetic_generator> parse_synthetic_generator(const std::string& name);
const char* to_string(synthetic_generator generator);

}  // namespace sgmc::models
