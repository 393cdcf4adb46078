#pragma once
// TLS between the nodes of `sgmc node` ([cluster] tls = true; docs/cluster.md#tls): CAF's
// OpenSSL module carries BASP over TLS, and both ends of every connection present a
// certificate that the other verifies against the cluster's CA.
//
// What CAF 0.17.6 checks (libcaf_openssl/src/openssl/session.cpp, read for this): with any of
// openssl.certificate/key/passphrase/cafile/capath set it loads the certificate chain and the
// key, loads the CA file as the trust store and sets SSL_VERIFY_PEER |
// SSL_VERIFY_FAIL_IF_NO_PEER_CERT on both the accepting and the connecting side, with OpenSSL's
// default chain verification (signature up to the CA, validity dates, CA flags) and ciphers
// "HIGH:!aNULL:!MD5". It checks no host name and no other certificate field: any certificate
// the CA signed is accepted from any address. And it loads certificate and key only when the
// first connection opens, raising an exception on the multiplexer thread when they do not
// load (a wrong passphrase ends the process): so check_tls() loads them first, with libssl.
#include "sgmc/core/error.hpp"

#include <string>

namespace sgmc::actors {

/// One node's TLS settings: the `[cluster]` keys tls, certificate, key, ca, passphrase.
struct tls_options {
  bool enabled = false;
  std::string certificate;  ///< this node's certificate (PEM; a chain may follow it)
  std::string key;          ///< its private key (PEM), encrypted with `passphrase` if not ""
  std::string ca;           ///< the cluster's CA certificate(s) (PEM)
  std::string passphrase;
};

/// With `t.enabled`: the certificate, key and CA files are set and readable, the key opens with
/// the passphrase and belongs to the certificate, and the CA verifies the certificate now
/// (signature, dates). errc::invalid_config with one line naming the key and file otherwise.
/// Without `t.enabled`: nothing to check.
expected<void> check_tls(const tls_options& t);

/// True for a host that only this machine reaches: localhost, 127.0.0.0/8, ::1.
bool is_loopback_host(const std::string& host);

}  // namespace sgmc::actors
