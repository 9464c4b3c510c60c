#pragma once
/// Extension points of the record write/read path.
///
/// - PayloadCodec: the ONE place stored record bytes pass through:
///   EnvelopePayloadCodec (envelope encryption, AAD =
///   tenant|dataset|record|revision) by default, PlainPayloadCodec when
///   encryption at rest is turned off.
/// - RecordInspector: the ONE place every record write passes through before
///   it is stored (PII/secret scanning and the dataset policy plug in here).
#include "vault/core/error.hpp"
#include "vault/storage/types.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace vault::domain {

/// Where a payload belongs: envelope encryption binds all four into the
/// associated data, so a ciphertext moved to another tenant, dataset,
/// record, or to another revision of the same record (a rollback) fails.
struct PayloadContext {
  const std::string& tenant_id;
  const std::string& dataset_id;
  const std::string& record_id;
  std::int64_t revision;  ///< the revision the payload is stored as
};

/// The revision as it enters the associated data.
inline std::string revision_aad(std::int64_t revision) { return "rev:" + std::to_string(revision); }

class PayloadCodec {
 public:
  virtual ~PayloadCodec() = default;
  /// Plaintext record bytes → bytes to store. Called by the record service
  /// before the store's write (never inside it): it may read or create the
  /// dataset's data key and call the key provider.
  virtual Result<std::string> seal(const PayloadContext& ctx, std::string_view plaintext) = 0;
  /// Stored bytes → plaintext; DecryptionOperation on failure.
  virtual Result<std::string> open(const PayloadContext& ctx, std::string_view stored) = 0;
  /// True when open() is the identity (lets readers skip a copy).
  virtual bool is_identity() const { return false; }
};

/// Stores plaintext as is (encryption at rest turned off).
class PlainPayloadCodec final : public PayloadCodec {
 public:
  Result<std::string> seal(const PayloadContext&, std::string_view p) override { return std::string(p); }
  Result<std::string> open(const PayloadContext&, std::string_view s) override { return std::string(s); }
  bool is_identity() const override { return true; }
};

/// What inspecting a record decided about it.
struct Inspection {
  bool quarantine = false;  ///< store hidden from normal reads until released
  std::string findings;     ///< findings summary JSON ("" when nothing was found)
};

class RecordInspector {
 public:
  virtual ~RecordInspector() = default;
  /// Called for every record about to be written, after parsing and schema
  /// validation. May reject (returning an error) or rewrite `payload`.
  /// `record` is the parsed JSON object of `payload`.
  virtual Result<Inspection> inspect(const storage::Dataset& dataset, const boost::json::value& record,
                                     std::string& payload) = 0;
};

/// Produces the anonymized view of stored records (view=anonymized).
class RecordViewer {
 public:
  virtual ~RecordViewer() = default;
  /// `payload` is a stored record's plaintext JSON object text.
  virtual Result<std::string> anonymized_view(const storage::Dataset& dataset, std::string_view payload) = 0;
};

}  // namespace vault::domain
