// `vault datasets ...`
#include "cli/commands.hpp"

#include <boost/json/serialize.hpp>

#include <iostream>
#include <memory>

namespace vault::cli {
namespace {

const std::vector<Column> kDatasetColumns = {
    {"id", "id"},           {"name", "name", 40},      {"status", "status"},
    {"records", "record_count"}, {"versions", "version_count"}, {"tags", "tags", 30},
    {"updated", "updated_at"}};

struct ListOpts {
  int limit = 0;
  std::string cursor, tag, status, name_prefix;
  bool all = false;
};

struct WriteOpts {
  std::string id, name, description, schema, if_match;
  std::vector<std::string> tags;
  bool clear_schema = false;
  bool clear_tags = false;
};

void add_simple(CLI::App* parent, Context& ctx, const char* name, const char* help,
                const char* method, const char* suffix, const char* done_note) {
  auto id = std::make_shared<std::string>();
  auto* c = parent->add_subcommand(name, help);
  c->add_option("id", *id, "dataset id")->required();
  c->callback([&ctx, id, method, suffix, done_note] {
    ctx.action = [&ctx, id, method, suffix, done_note] {
      int rc = run_request(ctx, method, dataset_path(*id) + suffix, std::nullopt, {}, nullptr);
      if (rc == exit_code::ok && done_note) ctx.note(std::string(done_note) + " " + *id);
      return rc;
    };
  });
}

}  // namespace

void add_dataset_commands(CLI::App& root, Context& ctx) {
  auto* ds = root.add_subcommand("datasets", "Create, list and manage datasets");
  ds->require_subcommand(1);

  {
    auto o = std::make_shared<ListOpts>();
    auto* c = ds->add_subcommand("list", "List datasets (cursor pagination)");
    c->add_option("--limit", o->limit, "page size (1-1000)")->check(CLI::Range(1, 1000));
    c->add_option("--cursor", o->cursor, "cursor from a previous page");
    c->add_option("--tag", o->tag, "only datasets with this tag");
    c->add_option("--status", o->status, "active or archived")->check(CLI::IsMember({"active", "archived"}));
    c->add_option("--name-prefix", o->name_prefix, "only names starting with this");
    c->add_flag("--all", o->all, "follow next_cursor and print every page");
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        return run_list(ctx, "/api/v1/datasets",
                        {{"limit", o->limit ? std::to_string(o->limit) : ""},
                         {"cursor", o->cursor},
                         {"tag", o->tag},
                         {"status", o->status},
                         {"name_prefix", o->name_prefix}},
                        kDatasetColumns, o->all);
      };
    });
  }
  {
    auto o = std::make_shared<WriteOpts>();
    auto* c = ds->add_subcommand("create", "Create a dataset");
    c->add_option("name", o->name, "name: 1-128 chars of [A-Za-z0-9._-]")->required();
    c->add_option("-d,--description", o->description, "description");
    c->add_option("-t,--tag", o->tags, "tag (repeatable)");
    c->add_option("--schema", o->schema, "JSON schema: inline JSON, @FILE or @-");
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        boost::json::object body{{"name", o->name}};
        if (!o->description.empty()) body["description"] = o->description;
        if (!o->tags.empty()) {
          boost::json::array tags;
          for (const auto& t : o->tags) tags.emplace_back(t);
          body["tags"] = std::move(tags);
        }
        if (!o->schema.empty()) {
          auto s = read_json_arg(o->schema);
          if (!s) return usage_error("--schema: " + s.error());
          body["schema"] = std::move(*s);
        }
        return run_request(ctx, "POST", "/api/v1/datasets", boost::json::serialize(body),
                           {HttpClient::idempotency_key_header()}, nullptr);
      };
    });
  }
  {
    auto id = std::make_shared<std::string>();
    auto* c = ds->add_subcommand("get", "Show one dataset");
    c->add_option("id", *id, "dataset id")->required();
    c->callback([&ctx, id] {
      ctx.action = [&ctx, id] { return run_request(ctx, "GET", dataset_path(*id), std::nullopt, {}, nullptr); };
    });
  }
  {
    auto o = std::make_shared<WriteOpts>();
    auto* c = ds->add_subcommand("update", "Change name, description, tags or schema");
    c->add_option("id", o->id, "dataset id")->required();
    auto* name = c->add_option("--name", o->name, "new name");
    auto* desc = c->add_option("-d,--description", o->description, "new description");
    auto* tags = c->add_option("-t,--tag", o->tags, "tags (repeatable; replaces all tags)");
    c->add_flag("--no-tags", o->clear_tags, "remove every tag");
    auto* schema = c->add_option("--schema", o->schema, "new JSON schema: inline JSON, @FILE or @-");
    c->add_flag("--no-schema", o->clear_schema, "remove the schema");
    c->add_option("--if-match", o->if_match, "only if the dataset still has this ETag");
    c->callback([&ctx, o, name, desc, tags, schema] {
      ctx.action = [&ctx, o, name, desc, tags, schema] {
        boost::json::object body;
        if (name->count()) body["name"] = o->name;
        if (desc->count()) body["description"] = o->description;
        if (tags->count() || o->clear_tags) {
          boost::json::array arr;
          for (const auto& t : o->tags) arr.emplace_back(t);
          body["tags"] = std::move(arr);
        }
        if (schema->count()) {
          auto s = read_json_arg(o->schema);
          if (!s) return usage_error("--schema: " + s.error());
          body["schema"] = std::move(*s);
        } else if (o->clear_schema) {
          body["schema"] = nullptr;
        }
        if (body.empty()) return usage_error("nothing to update (give --name, --description, --tag or --schema)");
        return run_request(ctx, "PATCH", dataset_path(o->id), boost::json::serialize(body),
                           if_match_header(o->if_match), nullptr);
      };
    });
  }
  add_simple(ds, ctx, "archive", "Archive a dataset (refuses record writes)", "POST", ":archive", nullptr);
  add_simple(ds, ctx, "restore", "Restore an archived dataset", "POST", ":restore", nullptr);
  add_simple(ds, ctx, "delete", "Delete a dataset and its records", "DELETE", "", "deleted dataset");
  add_simple(ds, ctx, "stats", "Records, bytes and versions of a dataset", "GET", "/stats", nullptr);
}

}  // namespace vault::cli
