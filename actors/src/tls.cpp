// Checks a node's TLS files with libssl before CAF's OpenSSL module is given them (tls.hpp).
#include "sgmc/actors/tls.hpp"

#include <fmt/format.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

namespace sgmc::actors {
namespace {

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct store_free {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct store_ctx_free {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct stack_free {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

unexpected bad(std::string text) { return make_error(errc::invalid_config, std::move(text)); }

// OpenSSL's queued errors as one text (and the queue emptied).
std::string ssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no details" : out;
}

expected<file_ptr> open_file(const std::string& key, const std::string& path) {
  if (path.empty())
    return bad(
        fmt::format("cluster.tls = true needs cluster.{} (scripts/make-cluster-certs DIR "
                    "HOST... makes a CA and node certificates; docs/cluster.md#tls)",
                    key));
  file_ptr f(std::fopen(path.c_str(), "r"));
  if (!f)
    return bad(fmt::format("cluster.{} {}: cannot read it: {}", key, path, std::strerror(errno)));
  return f;
}

int passphrase_cb(char* buf, int size, int, void* user) {
  const auto& pass = *static_cast<const std::string*>(user);
  if (size <= 0 || pass.size() >= static_cast<std::size_t>(size)) return 0;
  std::memcpy(buf, pass.data(), pass.size());
  return static_cast<int>(pass.size());
}

bool is_encrypted_pem(const std::string& path) {
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.find("ENCRYPTED") != std::string::npos;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

expected<void> check_tls(const tls_options& t) {
  if (!t.enabled) return {};
  ERR_clear_error();
  auto cf = open_file("certificate", t.certificate);
  if (!cf) return unexpected(cf.error());
  auto kf = open_file("key", t.key);
  if (!kf) return unexpected(kf.error());
  auto af = open_file("ca", t.ca);
  if (!af) return unexpected(af.error());

  x509_ptr cert(PEM_read_X509(cf->get(), nullptr, nullptr, nullptr));
  if (!cert)
    return bad(fmt::format("cluster.certificate {}: not a PEM certificate ({})", t.certificate,
                           ssl_errors()));
  // The rest of the file: intermediate certificates, sent along by CAF (a chain file).
  std::unique_ptr<STACK_OF(X509), stack_free> chain(sk_X509_new_null());
  while (X509* x = PEM_read_X509(cf->get(), nullptr, nullptr, nullptr))
    sk_X509_push(chain.get(), x);
  ERR_clear_error();  // the end of the file

  std::string pass = t.passphrase;
  std::unique_ptr<EVP_PKEY, pkey_free> key(
      PEM_read_PrivateKey(kf->get(), nullptr, passphrase_cb, &pass));
  if (!key) {
    const auto why = ssl_errors();
    if (is_encrypted_pem(t.key))
      return bad(t.passphrase.empty()
                     ? fmt::format("cluster.key {} is encrypted: set cluster.passphrase", t.key)
                     : fmt::format("cluster.key {}: cannot decrypt it with cluster.passphrase "
                                   "(wrong passphrase?) ({})",
                                   t.key, why));
    return bad(fmt::format("cluster.key {}: not a PEM private key ({})", t.key, why));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return bad(fmt::format("cluster.key {} does not belong to cluster.certificate {}", t.key,
                           t.certificate));
  }

  std::unique_ptr<X509_STORE, store_free> store(X509_STORE_new());
  int cas = 0;
  while (X509* x = PEM_read_X509(af->get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store.get(), x);
    X509_free(x);
    ++cas;
  }
  ERR_clear_error();
  if (cas == 0) return bad(fmt::format("cluster.ca {}: no PEM certificate in it", t.ca));
  std::unique_ptr<X509_STORE_CTX, store_ctx_free> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), chain.get()) != 1)
    return bad(fmt::format("cannot check cluster.certificate: {}", ssl_errors()));
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return bad(fmt::format("cluster.certificate {} does not verify against cluster.ca {}: {}",
                           t.certificate, t.ca, X509_verify_cert_error_string(err)));
  }
  return {};
}

}  // namespace sgmc::actors
