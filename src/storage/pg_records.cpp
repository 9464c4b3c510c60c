// PgRecordStore: MVCC revisions in the records table.
//
// write_records combines concurrent calls on the same dataset: the first
// caller to find no combined write of its dataset running takes every call
// queued for it and applies them all in one transaction (pg_record_batch.hpp:
// one lock of the dataset row, one lookup of the latest revisions, one UPDATE
// and one INSERT whatever the number of records), each call with its own
// result: a call that fails changes nothing and does not fail the others.
// Calls that arrive meanwhile wait for the next round. With the group commit
// under it, a burst of single-record POSTs to one dataset costs a few
// statements and one WAL flush per round instead of per record.
#include "storage/pg_record_batch.hpp"
#include "storage/pg_rows.hpp"
#include "storage/pg_stores.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>

namespace vault::storage {

using pg::Connection;
using pg::Params;

struct PgRecordStore::Call {
  std::vector<RecordWrite>* writes;
  std::optional<Result<std::vector<RecordWriteResult>>> result;
  bool done = false;
};

struct PgRecordStore::Queues {
  struct Queue {
    std::deque<Call*> calls;
    bool running = false;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<std::string, Queue> by_dataset;
};

PgRecordStore::PgRecordStore(PgDatabase& db) : db_(db), queues_(std::make_unique<Queues>()) {}
PgRecordStore::~PgRecordStore() = default;

namespace {

constexpr std::size_t kMaxRecordsPerRound = 20000;

}  // namespace

Result<std::vector<RecordWriteResult>> PgRecordStore::write_records(const std::string& tenant_id,
                                                                    const std::string& dataset_id,
                                                                    std::vector<RecordWrite> writes) {
  const std::string key = PgDatabase::dataset_partition(tenant_id, dataset_id);
  Call me{&writes, std::nullopt, false};
  Queues& qs = *queues_;
  std::unique_lock lk(qs.mu);
  qs.by_dataset[key].calls.push_back(&me);
  while (!me.done) {
    auto& q = qs.by_dataset[key];
    if (q.running) {
      qs.cv.wait(lk);
      continue;
    }
    q.running = true;
    std::vector<Call*> round;
    std::size_t records = 0;
    while (!q.calls.empty() && (round.empty() || records + q.calls.front()->writes->size() <= kMaxRecordsPerRound)) {
      records += q.calls.front()->writes->size();
      round.push_back(q.calls.front());
      q.calls.pop_front();
    }
    lk.unlock();
    run_round(tenant_id, dataset_id, round);
    lk.lock();
    for (Call* c : round) c->done = true;
    auto& after = qs.by_dataset[key];
    after.running = false;
    if (after.calls.empty()) qs.by_dataset.erase(key);
    qs.cv.notify_all();
  }
  return std::move(*me.result);
}

void PgRecordStore::run_round(const std::string& tenant_id, const std::string& dataset_id,
                              const std::vector<Call*>& round) {
  auto s = db_.write<std::monostate>(
      PgDatabase::dataset_partition(tenant_id, dataset_id), [&](Connection& c) -> Result<std::monostate> {
        for (Call* call : round) call->result.reset();
        auto ds = pg::load_dataset(c, tenant_id, dataset_id, /*for_update=*/true);
        if (!ds) return std::unexpected(ds.error());
        if (ds->d.status == "archived")
          return fail(ErrorKind::DatasetArchived, "the dataset is archived; records cannot be changed");
        pg::RecordBatch batch(ds->pk, ds->d, pg::now_micros());
        std::vector<const std::vector<RecordWrite>*> all;
        for (Call* call : round) all.push_back(call->writes);
        if (auto l = batch.load(c, all); !l) return std::unexpected(l.error());
        for (Call* call : round) call->result = batch.apply(*call->writes);
        if (auto f = batch.flush(c); !f) return std::unexpected(f.error());
        return std::monostate{};
      });
  if (!s)  // nothing of the round was committed, the calls that applied included
    for (Call* call : round) call->result = std::unexpected(s.error());
}

Result<Record> PgRecordStore::get_record(const std::string& tenant_id, const std::string& dataset_id,
                                         const std::string& record_id, std::optional<Seq> as_of) {
  return db_.read<Record>([&](Connection& c) -> Result<Record> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    static const std::string now_sql =
        std::string("SELECT ") + pg::kRecordColumns +
        " FROM records WHERE dataset_pk=$1 AND record_id=$2 AND superseded_seq=9223372036854775807";
    static const std::string as_of_sql = std::string("SELECT ") + pg::kRecordColumns +
                                         " FROM records WHERE dataset_pk=$1 AND record_id=$2 AND superseded_seq>$3 "
                                         "AND seq<=$3 ORDER BY superseded_seq LIMIT 1";
    Params p;
    p.int8(ds->pk).text(record_id);
    if (as_of) p.int8(*as_of);
    auto r = c.query(as_of ? as_of_sql : now_sql, p);
    if (!r) return std::unexpected(r.error());
    if (r->empty()) return fail(ErrorKind::RecordNotFound, "record not found");
    return pg::record_from(*r, 0);
  });
}

Result<std::int64_t> PgRecordStore::last_revision(const std::string& tenant_id, const std::string& dataset_id,
                                                  const std::string& record_id) {
  return db_.read<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    auto r = c.query("SELECT max(revision) FROM records WHERE dataset_pk=$1 AND record_id=$2",
                     Params().int8(ds->pk).text(record_id));
    if (!r) return std::unexpected(r.error());
    return r->empty() ? 0 : r->int64(0, 0);
  });
}

Result<RecordPage> PgRecordStore::list_records(const std::string& tenant_id, const std::string& dataset_id,
                                               std::optional<Seq> as_of, std::optional<Seq> after_created_seq,
                                               int limit, RecordFilter filter) {
  if (limit <= 0) return fail(ErrorKind::Validation, "limit must be positive", {{"field", "limit"}});
  return db_.read<RecordPage>([&](Connection& c) -> Result<RecordPage> {
    auto ds = pg::load_dataset(c, tenant_id, dataset_id);
    if (!ds) return std::unexpected(ds.error());
    // created_seq identifies one incarnation of one id, and at most one of its
    // revisions is live at any S: ordering by created_seq alone is total.
    // $4 selects by quarantine state: 0 visible, 1 quarantined, 2 all.
    static const std::string now_sql =
        std::string("SELECT ") + pg::kRecordColumns +
        " FROM records WHERE dataset_pk=$1 AND created_seq>$2 AND superseded_seq=9223372036854775807"
        " AND ($4=2 OR quarantined=($4=1)) ORDER BY created_seq LIMIT $3";
    static const std::string as_of_sql =
        std::string("SELECT ") + pg::kRecordColumns +
        " FROM records WHERE dataset_pk=$1 AND created_seq>$2 AND superseded_seq>$5 AND seq<=$5"
        " AND ($4=2 OR quarantined=($4=1)) ORDER BY created_seq LIMIT $3";
    Params p;
    p.int8(ds->pk).int8(after_created_seq.value_or(0)).int8(static_cast<std::int64_t>(limit) + 1);
    p.int8(filter == RecordFilter::Visible ? 0 : filter == RecordFilter::Quarantined ? 1 : 2);
    if (as_of) p.int8(*as_of);
    auto r = c.query(as_of ? as_of_sql : now_sql, p);
    if (!r) return std::unexpected(r.error());
    return pg::record_page(*r, limit, &Record::created_seq);
  });
}

}  // namespace vault::storage
