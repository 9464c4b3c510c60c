#include "vault/domain/record_service.hpp"

#include "vault/core/cancellation.hpp"
#include "vault/core/ids.hpp"
#include "vault/domain/cursor.hpp"
#include "vault/domain/json_schema.hpp"
#include "vault/domain/jsonl.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <future>
#include <thread>

namespace vault::domain {
namespace {

constexpr std::string_view kCursorKind = "rec";
/// How often put() without If-Match seals again after a concurrent writer
/// took the revision it sealed for.
constexpr int kMaxRevisionRaces = 3;

}  // namespace

RecordService::RecordService(storage::RecordStore& records, storage::VersionStore& versions,
                             DatasetService& datasets, PayloadCodec& codec, RecordInspector* inspector,
                             RecordLimits limits, RecordViewer* viewer, WorkerPool* import_pool)
    : records_(records),
      versions_(versions),
      datasets_(datasets),
      codec_(codec),
      inspector_(inspector),
      limits_(limits),
      viewer_(viewer),
      import_pool_(import_pool) {}

Status RecordService::validate_record_id(const std::string& id) {
  const bool ok = !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
  if (!ok)
    return fail(ErrorKind::InvalidIdentifier,
                "record id must be 1-128 characters of [A-Za-z0-9._:-]", {{"field", "id"}});
  return {};
}

Result<storage::Dataset> RecordService::writable_dataset(const std::string& tenant_id,
                                                         const std::string& dataset_id) {
  auto d = datasets_.get(tenant_id, dataset_id);
  if (!d) return d;
  if (d->status == "archived")
    return fail(ErrorKind::DatasetArchived, "the dataset is archived; restore it before writing",
                {{"dataset_id", dataset_id}});
  return d;
}

Result<RecordService::PreparedRecord> RecordService::prepare(const storage::Dataset& d, const JsonSchema* schema,
                                           std::string_view text, RecordParser& parser) {
  if (text.size() > limits_.max_record_bytes)
    return fail(ErrorKind::PayloadTooLarge, "record exceeds the maximum record size",
                {{"limit_bytes", limits_.max_record_bytes}});
  // The request's deadline / client-gone token (Cancellation::current()) is
  // checked per record, inside schema validation and before the PII scan.
  if (auto c = check_cancelled(); !c) return std::unexpected(c.error());
  auto obj = parser.parse(text);
  if (!obj) return std::unexpected(obj.error());
  if (schema)
    if (auto s = schema->validate(**obj); !s) return std::unexpected(s.error());
  std::string plaintext(text);
  PreparedRecord out;
  if (inspector_) {
    if (auto c = check_cancelled(); !c) return std::unexpected(c.error());
    auto inspection = inspector_->inspect(d, parser.value(), plaintext);
    if (!inspection) return std::unexpected(inspection.error());
    out.quarantined = inspection->quarantine;
    out.findings = std::move(inspection->findings);
  }
  out.plaintext = std::move(plaintext);
  return out;
}

Result<storage::RecordWrite> RecordService::seal_write(const storage::Dataset& d, const PreparedRecord& p,
                                                       storage::RecordWrite::Op op, std::string id,
                                                       std::int64_t revision,
                                                       std::optional<std::int64_t> expected) {
  auto sealed = codec_.seal(PayloadContext{d.tenant_id, d.id, id, revision}, p.plaintext);
  if (!sealed) return std::unexpected(sealed.error());
  storage::RecordWrite w(op, std::move(id), std::move(*sealed), expected);
  w.revision = revision;
  w.quarantined = p.quarantined;
  w.findings = p.findings;
  return w;
}

Result<storage::RecordWriteResult> RecordService::write_one(const storage::Dataset& d, const PreparedRecord& p,
                                                            storage::RecordWrite::Op op, std::string id,
                                                            std::int64_t revision,
                                                            std::optional<std::int64_t> expected) {
  auto w = seal_write(d, p, op, std::move(id), revision, expected);
  if (!w) return std::unexpected(w.error());
  std::vector<storage::RecordWrite> writes;
  writes.push_back(std::move(*w));
  auto res = records_.write_records(d.tenant_id, d.id, std::move(writes));
  if (!res) return std::unexpected(res.error());
  return std::move(res->front());
}

Result<RecordView> RecordService::open(const storage::Dataset& d, storage::Record&& r, bool anonymized) {
  RecordView v{std::move(r.id), r.revision, {}, r.created_at, r.updated_at, r.quarantined,
               std::move(r.findings)};
  if (codec_.is_identity()) {
    v.payload = std::move(r.payload);
  } else {
    auto p = codec_.open(PayloadContext{d.tenant_id, d.id, v.id, v.revision}, r.payload);
    if (!p) return std::unexpected(p.error());
    v.payload = std::move(*p);
  }
  if (anonymized) {
    if (!viewer_) return fail(ErrorKind::NotImplemented, "anonymized views need PII scanning, which is disabled");
    auto a = viewer_->anonymized_view(d, v.payload);
    if (!a) return std::unexpected(a.error());
    v.payload = std::move(*a);
  }
  return v;
}

Result<RecordView> RecordService::create(const std::string& tenant_id, const std::string& dataset_id,
                                         std::string_view body) {
  auto r = insert_new(tenant_id, dataset_id, body, new_id("rec"), false);
  if (!r) return std::unexpected(r.error());
  return std::move(r->first);
}

Result<std::pair<RecordView, bool>> RecordService::create_once(const std::string& tenant_id,
                                                               const std::string& dataset_id, std::string_view body,
                                                               const std::string& idempotency_key) {
  return insert_new(tenant_id, dataset_id, body,
                    derived_id("rec", "idempotency-key\n" + tenant_id + "\n" + dataset_id + "\n" + idempotency_key),
                    true);
}

Result<std::pair<RecordView, bool>> RecordService::insert_new(const std::string& tenant_id,
                                                              const std::string& dataset_id, std::string_view body,
                                                              std::string id, bool existing_is_ours) {
  auto d = writable_dataset(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  auto schema = datasets_.schema_of(*d);
  if (!schema) return std::unexpected(schema.error());
  RecordParser parser;
  auto prepared = prepare(*d, schema->get(), body, parser);
  if (!prepared) return std::unexpected(prepared.error());
  // A fresh id: its first revision.
  auto res = write_one(*d, *prepared, storage::RecordWrite::Op::Insert, id, 1);
  if (res) {
    const auto now = now_micros();
    return std::pair{RecordView{std::move(id), res->revision, std::move(prepared->plaintext), now, now,
                                prepared->quarantined, std::move(prepared->findings)},
                     true};
  }
  if (!existing_is_ours || res.error().kind() != ErrorKind::Conflict) return std::unexpected(res.error());
  // It exists: this request ran before (or runs concurrently) under the key.
  auto existing = get(tenant_id, dataset_id, id, std::nullopt);
  if (!existing) return std::unexpected(existing.error());
  if (existing->revision != 1 || existing->payload != prepared->plaintext)
    return fail(ErrorKind::Conflict, "a record was already created under this Idempotency-Key, with other content",
                {{"record_id", id}});
  return std::pair{std::move(*existing), false};
}

Result<std::pair<RecordView, bool>> RecordService::put(const std::string& tenant_id,
                                                       const std::string& dataset_id,
                                                       const std::string& record_id,
                                                       std::string_view body,
                                                       std::optional<std::int64_t> if_match) {
  if (auto s = validate_record_id(record_id); !s) return std::unexpected(s.error());
  auto d = writable_dataset(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  auto schema = datasets_.schema_of(*d);
  if (!schema) return std::unexpected(schema.error());
  RecordParser parser;
  auto prepared = prepare(*d, schema->get(), body, parser);
  if (!prepared) return std::unexpected(prepared.error());
  // The revision is bound into the ciphertext, so it is fixed before the
  // write: If-Match + 1, else the id's last revision (a deleted one counts)
  // + 1. A concurrent writer that took it first makes the store refuse
  // (ConcurrentModification); without If-Match the write is sealed again
  // for the next revision, a few times.
  const auto op = if_match ? storage::RecordWrite::Op::Replace : storage::RecordWrite::Op::Upsert;
  Result<storage::RecordWriteResult> res;
  for (int attempt = 0;; ++attempt) {
    std::int64_t revision = 0;
    if (if_match) {
      revision = *if_match + 1;
    } else {
      auto last = records_.last_revision(tenant_id, dataset_id, record_id);
      if (!last) return std::unexpected(last.error());
      revision = *last + 1;
    }
    res = write_one(*d, *prepared, op, record_id, revision, if_match);
    const bool lost_race = !res && !if_match && res.error().kind() == ErrorKind::ConcurrentModification;
    if (!lost_race || attempt == kMaxRevisionRaces) break;
  }
  if (!res) return std::unexpected(res.error());
  auto r = records_.get_record(tenant_id, dataset_id, record_id, res->seq);
  if (!r) return std::unexpected(r.error());
  auto v = open(*d, std::move(*r));
  if (!v) return std::unexpected(v.error());
  return std::make_pair(std::move(*v), res->created);
}

Result<std::optional<storage::Seq>> RecordService::snapshot_of(const std::string& tenant_id,
                                                               const std::string& dataset_id,
                                                               std::optional<std::int64_t> version) {
  if (!version) return std::optional<storage::Seq>{};
  auto v = versions_.get_version(tenant_id, dataset_id, *version);
  if (!v) return std::unexpected(v.error());
  return std::optional<storage::Seq>{v->seq};
}

Result<RecordView> RecordService::get(const std::string& tenant_id, const std::string& dataset_id,
                                      const std::string& record_id,
                                      std::optional<std::int64_t> version, const ReadOptions& read) {
  if (auto s = validate_record_id(record_id); !s) return std::unexpected(s.error());
  auto d = datasets_.get(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  auto as_of = snapshot_of(tenant_id, dataset_id, version);
  if (!as_of) return std::unexpected(as_of.error());
  auto r = records_.get_record(tenant_id, dataset_id, record_id, *as_of);
  if (!r) return std::unexpected(r.error());
  if (r->quarantined && read.filter == storage::RecordFilter::Visible)
    return fail(ErrorKind::RecordNotFound,
                "the record is quarantined by the dataset's PII policy; an admin can review and release it",
                {{"quarantined", true}});
  if (!r->quarantined && read.filter == storage::RecordFilter::Quarantined)
    return fail(ErrorKind::RecordNotFound, "the record is not quarantined");
  return open(*d, std::move(*r), read.anonymized);
}

Result<RecordView> RecordService::release(const std::string& tenant_id, const std::string& dataset_id,
                                          const std::string& record_id, std::optional<std::int64_t> if_match) {
  if (auto s = validate_record_id(record_id); !s) return std::unexpected(s.error());
  auto d = writable_dataset(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  auto r = records_.get_record(tenant_id, dataset_id, record_id);
  if (!r) return std::unexpected(r.error());
  if (!r->quarantined) return fail(ErrorKind::Conflict, "the record is not quarantined");
  if (if_match && *if_match != r->revision)
    return fail(ErrorKind::ConcurrentModification, "the record was modified concurrently",
                {{"expected_revision", *if_match}, {"actual_revision", r->revision}});
  // Re-sealed, so the new revision never shares ciphertext bytes with the old.
  auto plain = open(*d, storage::Record(*r));
  if (!plain) return std::unexpected(plain.error());
  PreparedRecord again;
  again.plaintext = plain->payload;
  again.findings = r->findings;
  auto res = write_one(*d, again, storage::RecordWrite::Op::Replace, record_id, r->revision + 1, r->revision);
  if (!res) return std::unexpected(res.error());
  plain->revision = res->revision;
  plain->quarantined = false;
  plain->updated_at = now_micros();
  return std::move(*plain);
}

Status RecordService::remove(const std::string& tenant_id, const std::string& dataset_id,
                             const std::string& record_id, std::optional<std::int64_t> if_match) {
  if (auto s = validate_record_id(record_id); !s) return s;
  auto d = writable_dataset(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  std::vector<storage::RecordWrite> w;
  w.emplace_back(storage::RecordWrite::Op::Delete, record_id, std::string(), if_match);
  auto res = records_.write_records(tenant_id, dataset_id, std::move(w));
  if (!res) return std::unexpected(res.error());
  return {};
}

Result<RecordPageView> RecordService::list(const std::string& tenant_id,
                                           const std::string& dataset_id,
                                           std::optional<std::int64_t> version,
                                           const std::optional<std::string>& cursor, int limit,
                                           const ReadOptions& read) {
  std::optional<storage::Seq> after;
  if (cursor) {
    auto c = decode_int_cursor(kCursorKind, *cursor);
    if (!c) return std::unexpected(c.error());
    after = *c;
  }
  auto d = datasets_.get(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  auto as_of = snapshot_of(tenant_id, dataset_id, version);
  if (!as_of) return std::unexpected(as_of.error());
  auto page = records_.list_records(tenant_id, dataset_id, *as_of, after, limit, read.filter);
  if (!page) return std::unexpected(page.error());
  RecordPageView out;
  out.items.reserve(page->items.size());
  for (auto& r : page->items) {
    auto v = open(*d, std::move(r), read.anonymized);
    if (!v) return std::unexpected(v.error());
    out.items.push_back(std::move(*v));
  }
  if (page->next_after) out.next_cursor = encode_cursor(kCursorKind, std::to_string(*page->next_after));
  return out;
}

Result<std::vector<std::string>> RecordService::batch(const std::string& tenant_id,
                                                      const std::string& dataset_id,
                                                      const boost::json::array& records) {
  if (records.size() > static_cast<std::size_t>(limits_.max_batch_records))
    return fail(ErrorKind::PayloadTooLarge,
                "a batch holds at most " + std::to_string(limits_.max_batch_records) + " records",
                {{"limit", limits_.max_batch_records}, {"count", records.size()}});
  auto d = writable_dataset(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  auto schema = datasets_.schema_of(*d);
  if (!schema) return std::unexpected(schema.error());
  std::vector<storage::RecordWrite> writes;
  std::vector<std::string> ids;
  writes.reserve(records.size());
  ids.reserve(records.size());
  RecordParser parser;
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::string id = new_id("rec");
    auto prepared = prepare(*d, schema->get(), boost::json::serialize(records[i]), parser);
    if (!prepared) {
      Error e = prepared.error();
      if (!is_cancellation(e)) e.details()["index"] = i;
      return std::unexpected(e);
    }
    ids.push_back(id);
    auto w = seal_write(*d, *prepared, storage::RecordWrite::Op::Insert, std::move(id), 1);
    if (!w) return std::unexpected(w.error());
    writes.push_back(std::move(*w));
  }
  auto res = records_.write_records(tenant_id, dataset_id, std::move(writes));
  if (!res) return std::unexpected(res.error());
  return ids;
}

Result<ImportReport> RecordService::import(
    const std::string& tenant_id, const std::string& dataset_id,
    const std::function<std::optional<std::string_view>()>& next_chunk) {
  auto d = writable_dataset(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  auto schema_r = datasets_.schema_of(*d);
  if (!schema_r) return std::unexpected(schema_r.error());
  const JsonSchema* schema = schema_r->get();

  ImportReport report;
  std::vector<storage::RecordWrite> pending;
  std::size_t pending_bytes = 0;
  // One batch is committed in the background while the next one is parsed.
  std::future<Result<std::vector<storage::RecordWriteResult>>> in_flight;
  std::int64_t in_flight_count = 0;
  std::optional<Error> fatal;

  auto note_error = [&](std::int64_t line, Error e) {
    ++report.failed;
    if (report.errors.size() < ImportReport::kMaxReportedErrors)
      report.errors.push_back({line, std::move(e)});
    else
      report.errors_truncated = true;
  };
  auto settle = [&]() {
    if (!in_flight.valid()) return;
    auto r = in_flight.get();
    if (r) report.imported += in_flight_count;
    else if (!fatal) fatal = r.error();
    in_flight_count = 0;
  };
  auto flush = [&]() {
    if (pending.empty()) return;
    settle();
    if (fatal) return;
    in_flight_count = static_cast<std::int64_t>(pending.size());
    in_flight = submit_or_run(import_pool_, [this, &tenant_id, &dataset_id, batch = std::move(pending)]() mutable {
      return records_.write_records(tenant_id, dataset_id, std::move(batch));
    });
    pending.clear();
    pending.reserve(limits_.import_batch_records);
    pending_bytes = 0;
  };

  // Lines are collected in blocks and prepared (parse, schema, PII scan,
  // sealing as revision 1 of their fresh id) in up to `workers` parts on
  // the import pool (on this thread when it is full); results are taken in
  // line order, so ids, error order and record order are those of the input.
  struct Line {
    std::int64_t number = 0;
    std::string id;
    std::string text;
    std::optional<Error> error;  ///< set by the splitter (line too long)
  };
  const std::size_t workers =
      import_pool_ ? std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4) : 1;
  std::vector<std::unique_ptr<RecordParser>> parsers;
  for (std::size_t i = 0; i < workers; ++i) parsers.push_back(std::make_unique<RecordParser>());
  std::vector<Line> lines;
  std::size_t line_bytes = 0;
  auto prepare_lines = [&]() {
    if (lines.empty()) return;
    // A line's own fault (parse, schema, policy) is reported for that line;
    // a failed seal (the key provider) ends the import.
    struct Outcome {
      std::optional<storage::RecordWrite> write;
      std::optional<Error> error;
      bool sealing_failed = false;
    };
    std::vector<std::optional<Outcome>> results(lines.size());
    const std::size_t parts = lines.size() >= 64 ? workers : 1;
    const Cancellation* token = Cancellation::current();  // helpers run on other threads
    auto work = [&, token](std::size_t part) {
      CancellationScope scope(token);
      for (std::size_t i = part; i < lines.size(); i += parts) {
        if (lines[i].error) continue;
        auto& out = results[i].emplace();
        auto prepared = prepare(*d, schema, lines[i].text, *parsers[part]);
        if (!prepared) {
          out.error = prepared.error();
          continue;
        }
        auto w = seal_write(*d, *prepared, storage::RecordWrite::Op::Insert, lines[i].id, 1);
        if (w) {
          out.write = std::move(*w);
        } else {
          out.error = w.error();
          out.sealing_failed = true;
        }
      }
    };
    run_parts(import_pool_, parts, work);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (fatal) break;
      Line& l = lines[i];
      if (l.error) {
        note_error(l.number, std::move(*l.error));
        continue;
      }
      auto& outcome = *results[i];
      if (outcome.error) {
        // The request is over (or the key provider failed), not this line.
        if (outcome.sealing_failed || is_cancellation(*outcome.error)) {
          fatal = std::move(outcome.error);
          break;
        }
        note_error(l.number, std::move(*outcome.error));
        continue;
      }
      pending_bytes += outcome.write->payload.size();
      pending.push_back(std::move(*outcome.write));
      if (pending.size() >= static_cast<std::size_t>(limits_.import_batch_records) ||
          pending_bytes >= limits_.import_batch_bytes)
        flush();
    }
    lines.clear();
    line_bytes = 0;
  };
  auto take = [&](Line l) {
    line_bytes += l.text.size();
    lines.push_back(std::move(l));
    if (lines.size() >= static_cast<std::size_t>(limits_.import_batch_records) ||
        line_bytes >= limits_.import_batch_bytes)
      prepare_lines();
  };

  JsonlSplitter splitter(
      [&](std::string_view line, std::int64_t number) {
        if (fatal) return;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;  // blank line
        ++report.lines;
        take(Line{number, new_id("rec"), std::string(line), std::nullopt});
      },
      [&](std::int64_t number, std::size_t length) {
        ++report.lines;
        take(Line{number, {}, {},
                  Error(ErrorKind::PayloadTooLarge, "line exceeds the maximum record size", {{"length", length}})});
      },
      limits_.max_record_bytes);

  try {
    while (!fatal) {
      if (auto c = check_cancelled(); !c) {
        fatal = c.error();
        break;
      }
      auto chunk = next_chunk();
      if (!chunk) break;
      splitter.feed(*chunk);
    }
    if (!fatal) splitter.finish();
    if (!fatal) prepare_lines();
    flush();
    settle();
  } catch (...) {
    if (in_flight.valid()) in_flight.wait();
    throw;
  }
  if (fatal) {
    Error e = *fatal;
    e.details()["imported"] = report.imported;
    e.details()["lines"] = report.lines;
    return std::unexpected(e);
  }
  return report;
}

Result<ExportPlan> RecordService::plan_export(const std::string& tenant_id,
                                              const std::string& dataset_id,
                                              std::optional<std::int64_t> version, bool anonymized) {
  if (anonymized && !viewer_)
    return fail(ErrorKind::NotImplemented, "anonymized views need PII scanning, which is disabled");
  auto d = datasets_.get(tenant_id, dataset_id);
  if (!d) return std::unexpected(d.error());
  auto as_of = snapshot_of(tenant_id, dataset_id, version);
  if (!as_of) return std::unexpected(as_of.error());
  return ExportPlan{*d, as_of->value_or(d->seq), anonymized};
}

Status RecordService::scan(const storage::Dataset& d, storage::Seq as_of,
                           const std::function<void(const std::string&, const std::string&)>& visit) {
  std::optional<storage::Seq> after;
  for (;;) {
    auto page = records_.list_records(d.tenant_id, d.id, as_of, after, 1000);
    if (!page) return std::unexpected(page.error());
    for (auto& r : page->items) {
      if (codec_.is_identity()) {
        visit(r.id, r.payload);
      } else {
        auto p = codec_.open(PayloadContext{d.tenant_id, d.id, r.id, r.revision}, r.payload);
        if (!p) return std::unexpected(p.error());
        visit(r.id, *p);
      }
    }
    if (!page->next_after) return {};
    after = page->next_after;
  }
}

Status RecordService::run_export(const ExportPlan& plan,
                                 const std::function<void(std::string_view)>& write) {
  std::string buf;
  constexpr std::size_t kChunk = 256 << 10;
  buf.reserve(kChunk + (64 << 10));
  std::optional<Error> failed;
  auto s = scan(plan.dataset, plan.as_of, [&](const std::string&, const std::string& payload) {
    if (failed) return;
    if (plan.anonymized) {
      auto a = viewer_->anonymized_view(plan.dataset, payload);
      if (!a) {
        failed = a.error();
        return;
      }
      buf += *a;
    } else {
      buf += payload;
    }
    buf += '\n';
    if (buf.size() >= kChunk) {
      write(buf);
      buf.clear();
    }
  });
  if (!s) return s;
  if (failed) return std::unexpected(*failed);
  if (!buf.empty()) write(buf);
  return {};
}

}  // namespace vault::domain
