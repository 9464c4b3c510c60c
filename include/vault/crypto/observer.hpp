#pragma once
/// CryptoObserver: the hook through which the crypto module reports
/// operations, so that a higher layer (observability) can count them without
/// the crypto module depending on it. The lead wires it to:
///   vault_encryption_operations_total{operation,algorithm,status}
///   vault_encryption_duration_seconds
///   vault_kms_operations_total{operation,status}
///
/// Reported: record seal/open (seal_record/open_record: operation "encrypt" /
/// "decrypt", algorithm "aes-256-gcm") and every KeyProvider call made
/// through a provider returned by open_key_provider (operation "wrap",
/// "unwrap", "rotate", "retire", "destroy", "ensure_kek", "ping").
/// Labels are fixed strings: never ids, keys or data.
#include <string_view>

namespace vault::crypto {

class CryptoObserver {
 public:
  virtual ~CryptoObserver() = default;
  virtual void on_operation(std::string_view operation, std::string_view algorithm, bool ok,
                            double seconds) = 0;
  virtual void on_kms_operation(std::string_view operation, bool ok, double seconds) = 0;
};

/// Installs the process-wide observer (nullptr removes it). The observer must
/// outlive every crypto call made after installing it; it is called
/// concurrently from many threads.
void set_crypto_observer(CryptoObserver* observer);
/// The installed observer, or nullptr.
CryptoObserver* crypto_observer();

}  // namespace vault::crypto
