#pragma once
/// The metadata and record stores, one narrow interface per aggregate:
///
///   TenantStore       tenants and API keys             tenant_store.hpp
///   DatasetStore      datasets                         dataset_store.hpp
///   RecordStore       records (MVCC revisions)         record_store.hpp
///   VersionStore      dataset versions                 version_store.hpp
///   KeyStore          wrapped data keys, tenant keys   key_store.hpp
///   JobStore          key rotation jobs                job_store.hpp
///   TokenStore        the PII token vault              token_store.hpp
///   IdempotencyStore  idempotency entries              idempotency_store.hpp
///   StoreOps          ping, schema version, close      store_ops.hpp
///
/// Contract for every implementation of every one of them (the conformance
/// suites in tests/conformance check it, unchanged, against each backend):
/// - Every dataset/record/version/data-key method is scoped by tenant_id:
///   naming a dataset of another tenant answers DatasetNotFound, exactly as
///   for an id that does not exist. Tenant-scoped rows of the other
///   aggregates (API keys, jobs, tokens, tenant keys, idempotency entries) are
///   likewise invisible to another tenant.
/// - Methods are thread-safe and blocking; callers run them on worker pools.
/// - Each method is one transaction. A method that returned success has made
///   its change durable (it survives kill -9 of the process).
///   Implementations may batch concurrent writers into one transaction
///   (group commit) but acknowledge each only after the commit.
/// - The aggregates of one backend share one database: a method whose
///   interface says it spans other aggregates (delete_tenant, delete_dataset,
///   write_records, create_version, the payload rewrites) changes them in
///   that same transaction. A Stores bundle therefore always comes from one
///   MetadataBackend; stores of different backends are never mixed.
/// - Failures of the backend itself map to ErrorKind::Database, and so does
///   every call after StoreOps::close().
/// - Enum fields (key states, job types and states) are stored as their
///   names (types.hpp: data_key_state_name, ...); a stored text the enum does
///   not know is read as ErrorKind::Database.
#include "vault/storage/dataset_store.hpp"
#include "vault/storage/idempotency_store.hpp"
#include "vault/storage/job_store.hpp"
#include "vault/storage/key_store.hpp"
#include "vault/storage/record_store.hpp"
#include "vault/storage/store_ops.hpp"
#include "vault/storage/tenant_store.hpp"
#include "vault/storage/token_store.hpp"
#include "vault/storage/version_store.hpp"

namespace vault::storage {

/// The aggregate stores of one backend, handed around together. The
/// references stay valid as long as the MetadataBackend that made them.
/// Prefer passing a service the one or two interfaces it uses; a `const
/// Stores&` is for the few that genuinely need many (key rotation).
struct Stores {
  TenantStore& tenants;
  DatasetStore& datasets;
  RecordStore& records;
  VersionStore& versions;
  KeyStore& keys;
  JobStore& jobs;
  TokenStore& tokens;
  IdempotencyStore& idempotency;
  StoreOps& ops;
};

/// An open backend (open_metadata_store in factory.hpp): owns the database
/// and the aggregate stores on it. Destroying it closes the database
/// (flushing pending writes first); every Stores reference obtained from it
/// dangles afterwards.
class MetadataBackend {
 public:
  virtual ~MetadataBackend() = default;
  /// The aggregate stores; the same object for the backend's lifetime.
  virtual const Stores& stores() const = 0;
};

}  // namespace vault::storage
