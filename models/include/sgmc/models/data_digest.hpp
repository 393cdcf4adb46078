#pragma once
// What data a node reads, as digests: the files `[data]` names, each with the SHA-256 of its
// bytes (as stored: a .gz file is digested compressed). Node admission compares them so that a
// node reading other data than the master is refused (docs/cluster.md, "Admission").
#include "sgmc/core/error.hpp"
#include "sgmc/models/factory.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace sgmc::models {

/// One data file: its `[data]` key ("train", "test_images", ...), its absolute path and the
/// SHA-256 of its bytes as 64 lowercase hex digits.
struct data_file_digest {
  std::string key;
  std::string path;
  std::string sha256;
};

/// The SHA-256 of a file's bytes (errc::io naming the file when it cannot be read).
expected<std::string> sha256_file(const std::filesystem::path& file);

/// Every file `params` names, in key order (idx: train_images, train_labels, test_images,
/// test_labels; csv and libsvm: train, then test when given; synthetic: none), digested.
expected<std::vector<data_file_digest>> digest_data_files(const data_params& params);

}  // namespace sgmc::models
