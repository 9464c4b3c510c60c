#pragma once
/// Value types shared by every store implementation (SQLite, PostgreSQL, ...).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
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
};

struct RecordWrite {
  enum class Op {
    Insert,   ///< new id; Conflict if the id is live
    Upsert,   ///< create or replace
    Replace,  ///< must exist (RecordNotFound); expected_revision checked if set
    Delete,   ///< must exist (RecordNotFound); expected_revision checked if set
  };
  Op op = Op::Insert;
  std::string id;
  std::string payload;
  std::optional<std::int64_t> expected_revision;
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
  std::string state = "active";  ///< "active" (new writes) | "decrypt_only" | "retired"
  Timestamp created_at = 0;
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

}  // namespace vault::storage
