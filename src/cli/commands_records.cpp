// `vault records list|get|put|delete` (import/export: commands_transfer.cpp)
#include "cli/commands.hpp"

#include <boost/json/serialize.hpp>

#include <memory>

namespace vault::cli {
namespace {

const std::vector<Column> kRecordColumns = {
    {"id", "id"}, {"revision", "revision"}, {"updated", "updated_at"}, {"data", "data", 60}};

std::string records_path(const std::string& ds) { return dataset_path(ds) + "/records"; }
std::string record_path(const std::string& ds, const std::string& rid) {
  return records_path(ds) + "/" + HttpClient::escape(rid);
}
std::string version_param(int v) { return v > 0 ? std::to_string(v) : ""; }

struct RecordOpts {
  std::string dataset, rid, data, cursor, if_match;
  int limit = 0;
  int version = 0;
  bool all = false;
};

}  // namespace

void add_record_commands(CLI::App& root, Context& ctx) {
  auto* rec = root.add_subcommand("records", "Read and write the records of a dataset");
  rec->require_subcommand(1);

  {
    auto o = std::make_shared<RecordOpts>();
    auto* c = rec->add_subcommand("list", "List records (cursor pagination)");
    c->add_option("dataset", o->dataset, "dataset id")->required();
    c->add_option("--limit", o->limit, "page size (1-1000)")->check(CLI::Range(1, 1000));
    c->add_option("--cursor", o->cursor, "cursor from a previous page");
    c->add_option("--version", o->version, "list as of this version")->check(CLI::PositiveNumber);
    c->add_flag("--all", o->all, "follow next_cursor and print every page");
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        return run_list(ctx, records_path(o->dataset),
                        {{"limit", o->limit ? std::to_string(o->limit) : ""},
                         {"cursor", o->cursor},
                         {"version", version_param(o->version)}},
                        kRecordColumns, o->all);
      };
    });
  }
  {
    auto o = std::make_shared<RecordOpts>();
    auto* c = rec->add_subcommand("get", "Show one record");
    c->add_option("dataset", o->dataset, "dataset id")->required();
    c->add_option("id", o->rid, "record id")->required();
    c->add_option("--version", o->version, "as of this version")->check(CLI::PositiveNumber);
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        return run_request(ctx, "GET",
                           record_path(o->dataset, o->rid) + query_string({{"version", version_param(o->version)}}),
                           std::nullopt, {}, nullptr);
      };
    });
  }
  {
    auto o = std::make_shared<RecordOpts>();
    auto* c = rec->add_subcommand("put", "Create a record (no id) or replace the record with this id");
    c->add_option("dataset", o->dataset, "dataset id")->required();
    c->add_option("id", o->rid, "record id (omit to create a new record)");
    c->add_option("-d,--data", o->data, "the record: a JSON object inline, @FILE or @-")->required();
    c->add_option("--if-match", o->if_match, "only if the record still has this ETag (revision)");
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        auto data = read_json_arg(o->data);
        if (!data) return usage_error("--data: " + data.error());
        if (!data->is_object()) return usage_error("--data: a record must be a JSON object");
        std::string body = boost::json::serialize(*data);
        if (o->rid.empty()) {
          auto headers = if_match_header(o->if_match);
          headers.push_back(HttpClient::idempotency_key_header());  // safe to retry
          return run_request(ctx, "POST", records_path(o->dataset), body, headers, nullptr);
        }
        return run_request(ctx, "PUT", record_path(o->dataset, o->rid), body, if_match_header(o->if_match),
                           nullptr);
      };
    });
  }
  {
    auto o = std::make_shared<RecordOpts>();
    auto* c = rec->add_subcommand("delete", "Delete a record");
    c->add_option("dataset", o->dataset, "dataset id")->required();
    c->add_option("id", o->rid, "record id")->required();
    c->add_option("--if-match", o->if_match, "only if the record still has this ETag (revision)");
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        int rc = run_request(ctx, "DELETE", record_path(o->dataset, o->rid), std::nullopt,
                             if_match_header(o->if_match), nullptr);
        if (rc == exit_code::ok) ctx.note("deleted record " + o->rid);
        return rc;
      };
    });
  }
  add_record_transfer_commands(*rec, ctx);
}

}  // namespace vault::cli
