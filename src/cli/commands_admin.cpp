// `vault tenants create|list` and `vault api-keys create|list|revoke`
#include "cli/commands.hpp"

#include <boost/json/serialize.hpp>

#include <memory>

namespace vault::cli {
namespace {

const std::vector<Column> kTenantColumns = {{"id", "id"}, {"name", "name"}, {"status", "status"}, {"created", "created_at"}};
const std::vector<Column> kKeyColumns = {{"id", "id"},         {"name", "name"},           {"role", "role"},
                                         {"prefix", "prefix"}, {"tenant", "tenant_id"},    {"created", "created_at"}};

struct AdminOpts {
  std::string name, role, tenant_id, id;
};

}  // namespace

void add_admin_commands(CLI::App& root, Context& ctx) {
  auto* tn = root.add_subcommand("tenants", "Tenants (platform admin key only)");
  tn->require_subcommand(1);
  {
    auto o = std::make_shared<AdminOpts>();
    auto* c = tn->add_subcommand("create", "Create a tenant");
    c->add_option("name", o->name, "tenant name")->required();
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        boost::json::object body{{"name", o->name}};
        return run_request(ctx, "POST", "/api/v1/tenants", boost::json::serialize(body),
                           {HttpClient::idempotency_key_header()}, nullptr);
      };
    });
  }
  {
    auto* c = tn->add_subcommand("list", "List tenants");
    c->callback([&ctx] { ctx.action = [&ctx] { return run_list(ctx, "/api/v1/tenants", {}, kTenantColumns, true); }; });
  }

  auto* keys = root.add_subcommand("api-keys", "API keys of a tenant (admin role)");
  keys->require_subcommand(1);
  {
    auto o = std::make_shared<AdminOpts>();
    auto* c = keys->add_subcommand("create", "Create an API key; its secret is shown once");
    c->add_option("name", o->name, "key name")->required();
    c->add_option("-r,--role", o->role, "admin, writer or reader")
        ->required()
        ->check(CLI::IsMember({"admin", "writer", "reader"}));
    c->add_option("--tenant-id", o->tenant_id, "tenant of the key (platform admin only)");
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        boost::json::object body{{"name", o->name}, {"role", o->role}};
        if (!o->tenant_id.empty()) body["tenant_id"] = o->tenant_id;
        int rc = run_request(ctx, "POST", "/api/v1/api-keys", boost::json::serialize(body),
                             {HttpClient::idempotency_key_header()}, nullptr);
        if (rc == exit_code::ok) ctx.note("note: the key secret is shown only once; store it now");
        return rc;
      };
    });
  }
  {
    auto* c = keys->add_subcommand("list", "List API keys (without secrets)");
    c->callback([&ctx] { ctx.action = [&ctx] { return run_list(ctx, "/api/v1/api-keys", {}, kKeyColumns, true); }; });
  }
  {
    auto o = std::make_shared<AdminOpts>();
    auto* c = keys->add_subcommand("revoke", "Revoke an API key");
    c->add_option("id", o->id, "key id")->required();
    c->callback([&ctx, o] {
      ctx.action = [&ctx, o] {
        int rc = run_request(ctx, "DELETE", "/api/v1/api-keys/" + HttpClient::escape(o->id), std::nullopt, {},
                             nullptr);
        if (rc == exit_code::ok) ctx.note("revoked key " + o->id);
        return rc;
      };
    });
  }
}

}  // namespace vault::cli
