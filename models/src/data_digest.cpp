// SHA-256 through OpenSSL's EVP interface (libcrypto), read in 1 MB blocks.
#include "sgmc/models/data_digest.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

namespace sgmc::models {
namespace {

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct md_freer {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

expected<std::string> sha256_file(const std::filesystem::path& file) {
  std::unique_ptr<std::FILE, file_closer> f{std::fopen(file.c_str(), "rb")};
  if (!f)
    return make_error(errc::io, fmt::format("{}: cannot read it to digest it ({})", file.string(),
                                            std::strerror(errno)));
  std::unique_ptr<EVP_MD_CTX, md_freer> ctx{EVP_MD_CTX_new()};
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    return make_error(errc::io, fmt::format("{}: SHA-256 is unavailable", file.string()));
  std::vector<unsigned char> block(std::size_t{1} << 20);
  for (;;) {
    const std::size_t n = std::fread(block.data(), 1, block.size(), f.get());
    if (n > 0 && EVP_DigestUpdate(ctx.get(), block.data(), n) != 1)
      return make_error(errc::io, fmt::format("{}: SHA-256 failed", file.string()));
    if (n < block.size()) break;
  }
  if (std::ferror(f.get()))
    return make_error(errc::io, fmt::format("{}: read error while digesting it", file.string()));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1)
    return make_error(errc::io, fmt::format("{}: SHA-256 failed", file.string()));
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

expected<std::vector<data_file_digest>> digest_data_files(const data_params& p) {
  std::vector<std::pair<const char*, const std::string*>> files;
  switch (p.format) {
    case data_format::idx:
      files = {{"train_images", &p.train_images},
               {"train_labels", &p.train_labels},
               {"test_images", &p.test_images},
               {"test_labels", &p.test_labels}};
      break;
    case data_format::csv:
    case data_format::libsvm:
      files = {{"train", &p.train}};
      if (!p.test.empty()) files.emplace_back("test", &p.test);
      break;
    case data_format::synthetic:
      break;
  }
  std::vector<data_file_digest> out;
  for (const auto& [key, path] : files) {
    if (path->empty()) continue;  // no such file in this run (checked by load_data)
    std::error_code ec;
    auto abs = std::filesystem::absolute(*path, ec);
    if (ec) abs = *path;
    auto d = sha256_file(abs);
    if (!d) return unexpected(d.error());
    out.push_back({key, abs.lexically_normal().string(), std::move(*d)});
  }
  return out;
}

}  // namespace sgmc::models
