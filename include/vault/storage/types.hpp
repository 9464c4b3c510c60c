#pragma once
/// Value types shared by every store implementation (SQLite, PostgreSQL, ...).
#include "vault/core/error.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vault::storage {

/// Microseconds since the Unix epoch (UTC).
using Timestamp = std::int64_t;

/// Sequence numbers order every record change inside one dataset (MVCC).
using Seq = std::int64_t;
inline constexpr Seq kSeqInfinity = std::numeric_limits<Seq>::max();

enum class Role { Reader = 0, Writer = 1, Admin = 2 };
const char* role_name(Role r);
std::optional<Role> parse_role(std::string_view s);

/// Key states and job kinds. Each enum's name is the text stored in the
/// database and shown in API output and metric labels; parse_* is its inverse
/// (nullopt for any other text).
enum class DataKeyState {
  Active,       ///< "active": the data key new writes use
  DecryptOnly,  ///< "decrypt_only": still decrypts older revisions
  Retired,      ///< "retired": no revision references it; wrapped bytes shredded
};
const char* data_key_state_name(DataKeyState s);
std::optional<DataKeyState> parse_data_key_state(std::string_view s);

enum class TenantKeyState {
  Active,   ///< "active"
  Retired,  ///< "retired": material kept, no longer used
};
const char* tenant_key_state_name(TenantKeyState s);
std::optional<TenantKeyState> parse_tenant_key_state(std::string_view s);

enum class KeyJobType {
  KekRotation,  ///< "kek_rotation": a tenant's KEK, rewrapping every wrapped key
  DekRotation,  ///< "dek_rotation": a dataset's DEK, re-encrypting every revision
};
const char* key_job_type_name(KeyJobType t);
std::optional<KeyJobType> parse_key_job_type(std::string_view s);

enum class KeyJobState {
  Running,    ///< "running"
  Succeeded,  ///< "succeeded"
  Failed,     ///< "failed"
};
const char* key_job_state_name(KeyJobState s);
std::optional<KeyJobState> parse_key_job_state(std::string_view s);

struct Tenant {
  std::string id;
  std::string name;
  std::string status = "active";
  Timestamp created_at = 0;
};

struct ApiKey {
  std::string id;
  std::string tenant_id;
  std::string name;
  Role role = Role::Reader;
  std::string key_hash;  ///< hex SHA-256 of the secret; the secret itself is never stored
  std::string prefix;    ///< first characters of the secret, for display
  Timestamp created_at = 0;
  bool revoked = false;
  /// Extra permissions beyond the role, e.g. "pii:detokenize" (never implied by a role).
  std::vector<std::string> permissions;
};

struct Dataset {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  std::string schema_json;        ///< "" when the dataset has no schema
  std::string status = "active";  ///< "active" | "archived"
  std::int64_t etag = 1;          ///< bumped by every metadata change (If-Match)
  Seq seq = 0;                    ///< last sequence number assigned to a record change
  std::int64_t record_count = 0;  ///< live records now
  std::int64_t record_bytes = 0;  ///< payload bytes of live records now
  std::int64_t version_count = 0;
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  std::string pii_policy;  ///< JSON of the dataset's PII policy; "" = the server default
};

struct DatasetFilter {
  std::optional<std::string> tag;
  std::optional<std::string> status;
  std::optional<std::string> name_prefix;
  std::optional<std::string> after_id;  ///< cursor: ids sort ascending
  int limit = 100;
};

struct DatasetPatch {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> schema_json;
  std::optional<std::string> status;
  std::optional<std::string> pii_policy;
};

/// One revision of a record: the payload that was live in [seq, superseded_seq).
struct Record {
  std::string id;
  std::int64_t revision = 1;  ///< 1 for the first write, +1 per replace (the ETag); an id
                             ///< recreated after a delete continues from the deleted
                             ///< revision + 1, so an old ETag never matches the new record
  Seq seq = 0;                ///< sequence number of the change that wrote this revision
  Seq created_seq = 0;        ///< seq of the record's creation: export/list order
  std::string payload;        ///< the stored bytes (exactly as written)
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  bool quarantined = false;   ///< hidden from normal reads/exports until released
  std::string findings;       ///< PII findings summary (JSON, never values); "" = none
};

/// Which revisions list_records returns.
enum class RecordFilter {
  Visible,      ///< not quarantined (normal reads, exports, versions)
  Quarantined,  ///< only quarantined ones (review queue)
  All,
};

struct RecordWrite {
  enum class Op {
    Insert,   ///< new id; Conflict if the id is live
    Upsert,   ///< create or replace
    Replace,  ///< must exist (RecordNotFound); expected_revision checked if set
    Delete,   ///< must exist (RecordNotFound); expected_revision checked if set
  };
  RecordWrite() = default;
  RecordWrite(Op o, std::string record_id, std::string bytes = {},
              std::optional<std::int64_t> expected = std::nullopt)
      : op(o), id(std::move(record_id)), payload(std::move(bytes)), expected_revision(expected) {}

  Op op = Op::Insert;
  std::string id;
  std::string payload;
  std::optional<std::int64_t> expected_revision;
  bool quarantined = false;  ///< the new revision is quarantined
  std::string findings;      ///< PII findings summary of the new revision
  /// The revision number this write creates, when the caller fixed it
  /// (payload encrypted with the revision bound into its associated data).
  /// The store then refuses the write with ConcurrentModification if the
  /// record's next revision is another (a concurrent writer took it); the
  /// record's next revision is its latest one + 1, a deleted one included,
  /// else 1. Unset: the store assigns the next revision. Ignored by Delete.
  std::optional<std::int64_t> revision;
};

/// What one RecordWrite produced (for Delete: the revision that was removed).
struct RecordWriteResult {
  std::string id;
  std::int64_t revision = 0;
  Seq seq = 0;
  bool created = false;
};

struct RecordPage {
  std::vector<Record> items;
  std::optional<Seq> next_after;  ///< pass as after_created_seq for the next page
};

struct Version {
  std::string dataset_id;
  std::int64_t number = 0;  ///< 1, 2, 3 ... per dataset, assigned by the store
  Seq seq = 0;              ///< the snapshot: latest revision of every record at seq
  std::string message;
  std::string author_key_id;
  std::int64_t record_count = 0;
  std::int64_t record_bytes = 0;
  std::string content_hash;  ///< hex SHA-256 over (id, payload) in created_seq order
  Timestamp created_at = 0;
};

/// A dataset's data-encryption key (DEK), stored only wrapped by a tenant
/// key-encryption key (KEK) of the key provider. Deleting the dataset deletes
/// its data keys (crypto-shredding of what remains anywhere else).
struct DataKey {
  std::string tenant_id;
  std::string dataset_id;
  std::int64_t version = 1;      ///< 1, 2, ... per dataset (DEK rotation)
  std::string kek_id;            ///< the key provider's KEK id
  std::int64_t kek_version = 0;  ///< KEK version that produced `wrapped`
  std::string wrapped;           ///< opaque wrapped DEK bytes
  DataKeyState state = DataKeyState::Active;
  Timestamp created_at = 0;
};

/// One in-place payload rewrite (DEK rotation): revision (record_id, seq)
/// gets `payload` if its stored bytes still equal `expected`.
struct PayloadRewrite {
  std::string record_id;
  Seq seq = 0;
  std::string expected;
  std::string payload;
};

/// A key rotation job, persisted so that a restart resumes it: a tenant's
/// KEK rotation (rewrap every wrapped DEK) or a dataset's DEK rotation
/// (re-encrypt every stored revision under a new DEK).
struct KeyJob {
  std::string id;
  std::string tenant_id;
  KeyJobType type = KeyJobType::KekRotation;
  std::string dataset_id;         ///< the rotated dataset (dek_rotation only)
  KeyJobState state = KeyJobState::Running;
  std::int64_t total = 0;         ///< items to process (DEKs or revisions)
  std::int64_t done = 0;          ///< items processed so far
  std::int64_t from_version = 0;  ///< KEK or DEK version being replaced
  std::int64_t to_version = 0;    ///< the new current version
  std::string cursor;             ///< opaque resume position of the job
  std::string error;              ///< error code and message when failed (never key material)
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
};

/// A stored response for Idempotency-Key replay.
struct IdempotencyEntry {
  std::string tenant_id;
  std::string key;
  std::string request_hash;  ///< hash of method, path and body: reuse with another request is an error
  int status = 0;
  std::string headers_json;  ///< JSON object of response headers to replay
  std::string body;
  Timestamp created_at = 0;
};

/// One entry of the PII token vault: `token` stands for a value whose
/// ciphertext is `sealed` (the store never sees the value).
struct PiiToken {
  std::string tenant_id;
  std::string token;       ///< e.g. "tok_EMAIL_ADDRESS_6f1c..."
  std::string value_hash;  ///< keyed hash of the value: the same value gets the same token
  std::string entity;
  std::string sealed;      ///< the value, AEAD-sealed under the tenant's anonymization key
  Timestamp created_at = 0;
};

/// Settings of one named tenant key (a transit key, or an internal key under
/// a reserved name starting with '_'). The versions are TenantKey rows.
struct TenantKeyConfig {
  std::string tenant_id;
  std::string name;
  std::string type = "aes256-gcm96";
  std::int64_t min_decryption_version = 1;  ///< older versions no longer decrypt
  bool deletion_allowed = false;
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
};

/// One version of a named tenant key: 32 bytes of key material, stored only
/// wrapped by the tenant KEK (crypto::serialize_wrapped_key).
struct TenantKey {
  std::string tenant_id;
  std::string name;
  std::int64_t version = 1;      ///< 1, 2, ... per (tenant, name)
  std::string wrapped;           ///< opaque wrapped key bytes
  TenantKeyState state = TenantKeyState::Active;
  Timestamp created_at = 0;
};

}  // namespace vault::storage
