// `vault versions list|create|get`
#include "cli/commands.hpp"

#include <boost/json/serialize.hpp>

#include <memory>

namespace vault::cli {
namespace {

const std::vector<Column> kVersionColumns = {
    {"number", "number"}, {"records", "record_count"}, {"bytes", "bytes"},
    {"hash", "content_hash", 13}, {"message", "message", 40}, {"created", "created_at"}};

struct VersionOpts {
  std::string dataset, message;
  int number = 0;
};

}  // namespace

void add_version_commands(CLI::App& root, Context& ctx) {
  auto* ver = root.add_subcommand("versions", "Commit and inspect immutable dataset versions");
  ver->require_subcommand(1);
  {
    auto o = std::make_shared<VersionOpts>();
    auto* c = ver->add_subcommand("list", "List the versions of a dataset");
    c->add_option("dataset", o->dataset, "dataset id")->required();
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] { return run_list(ctx, dataset_path(o->dataset) + "/versions", {}, kVersionColumns, true); };
    });
  }
  {
    auto o = std::make_shared<VersionOpts>();
    auto* c = ver->add_subcommand("create", "Commit the dataset's current state as a new version");
    c->add_option("dataset", o->dataset, "dataset id")->required();
    c->add_option("-m,--message", o->message, "version message");
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        boost::json::object body{{"message", o->message}};
        return run_request(ctx, "POST", dataset_path(o->dataset) + "/versions", boost::json::serialize(body),
                           {HttpClient::idempotency_key_header()}, nullptr);
      };
    });
  }
  {
    auto o = std::make_shared<VersionOpts>();
    auto* c = ver->add_subcommand("get", "Show one version");
    c->add_option("dataset", o->dataset, "dataset id")->required();
    c->add_option("number", o->number, "version number")->required()->check(CLI::PositiveNumber);
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        return run_request(ctx, "GET", dataset_path(o->dataset) + "/versions/" + std::to_string(o->number),
                           std::nullopt, {}, nullptr);
      };
    });
  }
}

}  // namespace vault::cli
