#pragma once
/// The dataset and record stores with the read cache (read_cache.hpp):
/// decorators of any backend's DatasetStore and RecordStore that keep copies
/// of what the store answered in Redis and answer from them when the store
/// cannot (core/error.hpp dependency_unavailable: its breaker open, its pool full, a timeout, a
/// lost connection), so that reads go on while the database is down.
///
/// Which reads: a dataset by id (get_dataset) and a record's live revision
/// (get_record without as_of): what single-resource GETs, and the dataset
/// lookups of every record route, ask. Lists, versions, revisions "as of"
/// and exports always need the store.
///
/// What is cached: the dataset row (metadata the store holds in clear) and
/// the record's stored revision: its payload exactly as stored, that is
/// sealed under the dataset's data key (or a reference to its sealed blob),
/// so Redis never holds plaintext; the data keys themselves stay out of it.
///
/// Freshness: while the store answers, every read is the store's, and
/// copies only follow. A dataset's copy is versioned by etag + seq, a
/// record's by its revision's seq. Writes through these decorators
/// invalidate: a replaced or deleted record's copies are hidden by a
/// tombstone at the write's seq (a late copy of the older revision, from a
/// replica that read it just before, is refused by Redis), a deleted
/// dataset's copy for good; creates and metadata updates write the new copy
/// (a read refreshes a dataset's copy at most once a second: record writes
/// move its counters);
/// payloads rewritten in place (key rotation) drop their copies. An answer
/// from a copy is noted with stale_reads (the HTTP layer adds
/// `X-Vault-Stale: true` and `Age`); a failure with no usable copy is the
/// store's own error.
#include "vault/cache/read_cache.hpp"
#include "vault/storage/dataset_store.hpp"
#include "vault/storage/record_store.hpp"

namespace vault::cache {

class ReadThroughDatasetStore final : public storage::DatasetStore {
 public:
  /// `inner` and `cache` must outlive it.
  ReadThroughDatasetStore(storage::DatasetStore& inner, ReadCache& cache);

  Result<storage::Dataset> create_dataset(const storage::Dataset& d) override;
  Result<storage::Dataset> get_dataset(const std::string& tenant_id, const std::string& id) override;
  Result<std::vector<storage::Dataset>> list_datasets(const std::string& tenant_id,
                                                      const storage::DatasetFilter& filter) override;
  Result<storage::Dataset> update_dataset(const std::string& tenant_id, const std::string& id,
                                          const storage::DatasetPatch& patch,
                                          std::optional<std::int64_t> expected_etag) override;
  Status delete_dataset(const std::string& tenant_id, const std::string& id) override;

 private:
  std::string key(const std::string& tenant_id, const std::string& id) const;
  void remember(const storage::Dataset& d, std::chrono::milliseconds min_interval);

  storage::DatasetStore& inner_;
  ReadCache& cache_;
};

class ReadThroughRecordStore final : public storage::RecordStore {
 public:
  /// `inner` and `cache` must outlive it.
  ReadThroughRecordStore(storage::RecordStore& inner, ReadCache& cache);

  Result<std::vector<storage::RecordWriteResult>> write_records(const std::string& tenant_id,
                                                                const std::string& dataset_id,
                                                                std::vector<storage::RecordWrite> writes) override;
  Result<storage::Record> get_record(const std::string& tenant_id, const std::string& dataset_id,
                                     const std::string& record_id,
                                     std::optional<storage::Seq> as_of = std::nullopt) override;
  Result<std::int64_t> last_revision(const std::string& tenant_id, const std::string& dataset_id,
                                     const std::string& record_id) override;
  Result<storage::RecordPage> list_records(const std::string& tenant_id, const std::string& dataset_id,
                                           std::optional<storage::Seq> as_of,
                                           std::optional<storage::Seq> after_created_seq, int limit,
                                           storage::RecordFilter filter = storage::RecordFilter::Visible) override;
  Result<storage::RecordPage> list_record_revisions(const std::string& tenant_id, const std::string& dataset_id,
                                                    storage::Seq after_seq, int limit) override;
  Result<std::int64_t> count_record_revisions(const std::string& tenant_id, const std::string& dataset_id) override;
  Status rewrite_record_payload(const std::string& tenant_id, const std::string& dataset_id,
                                const std::string& record_id, storage::Seq seq, std::string_view expected,
                                std::string_view payload) override;
  Result<std::int64_t> rewrite_record_payloads(const std::string& tenant_id, const std::string& dataset_id,
                                               const std::vector<storage::PayloadRewrite>& rewrites) override;

 private:
  std::string key(const std::string& tenant_id, const std::string& dataset_id,
                  const std::string& record_id) const;

  storage::RecordStore& inner_;
  ReadCache& cache_;
};

}  // namespace vault::cache
