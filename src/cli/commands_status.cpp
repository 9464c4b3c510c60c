// `vault status`: liveness, readiness (with its checks), start-up and versions.
#include "cli/commands.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>

namespace vault::cli {
namespace {

boost::json::value parse_or_null(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value(nullptr) : v;
}

std::string str_member(const boost::json::value& v, const char* key) {
  if (!v.is_object()) return "";
  const auto* m = v.get_object().if_contains(key);
  return m && m->is_string() ? std::string(m->get_string()) : "";
}

/// The server does not document a version endpoint: take a "version" member
/// of a health answer, else the Server header, else "unknown".
std::string server_version(const std::vector<std::pair<HttpResponse, boost::json::value>>& answers) {
  for (const auto& [r, v] : answers)
    if (auto s = str_member(v, "version"); !s.empty()) return s;
  for (const auto& [r, v] : answers)
    if (auto s = r.header("server"); !s.empty()) return s;
  return "unknown";
}

int run_status(const Context& ctx) {
  auto client = ctx.client();
  std::vector<std::pair<HttpResponse, boost::json::value>> answers;
  for (const char* path : {"/health/live", "/health/ready", "/health/startup"}) {
    auto r = client.request("GET", path);
    if (!r) return report_transport_error(r.error());
    auto v = parse_or_null(r->body);
    answers.emplace_back(std::move(*r), std::move(v));
  }
  const auto& [live_r, live] = answers[0];
  const auto& [ready_r, ready] = answers[1];
  const auto& [startup_r, startup] = answers[2];
  std::string version = server_version(answers);
  bool is_ready = ready_r.status == 200;

  if (ctx.format() == Format::Json) {
    boost::json::object out{{"url", ctx.opts.url},
                            {"live", live},
                            {"ready", ready},
                            {"ready_http_status", ready_r.status},
                            {"startup", startup},
                            {"server_version", version},
                            {"cli_version", kCliVersion}};
    std::cout << boost::json::serialize(out) << '\n';
  } else {
    boost::json::object out;
    out["url"] = ctx.opts.url;
    out["live"] = live_r.status == 200 ? str_member(live, "status") : "HTTP " + std::to_string(live_r.status);
    out["ready"] = str_member(ready, "status") + " (HTTP " + std::to_string(ready_r.status) + ")";
    if (ready.is_object()) {
      if (const auto* checks = ready.get_object().if_contains("checks"); checks && checks->is_object()) {
        for (const auto& kv : checks->get_object()) {
          const auto& c = kv.value();
          std::string line = str_member(c, "status");
          if (c.is_object()) {
            const auto& o = c.get_object();
            if (const auto* crit = o.if_contains("critical"); crit && crit->is_bool())
              line += crit->get_bool() ? " critical" : " non-critical";
            if (const auto* l = o.if_contains("latency_ms"); l && l->is_number())
              line += " " + cell_text(*l) + " ms";
          }
          if (auto m = str_member(c, "message"); !m.empty()) line += " " + m;
          out["check " + std::string(kv.key())] = line;
        }
      }
    }
    std::string st = str_member(startup, "status");
    if (startup.is_object())
      if (const auto* d = startup.get_object().if_contains("startup_duration_ms"); d && d->is_number())
        st += " in " + cell_text(*d) + " ms";
    out["startup"] = st.empty() ? "HTTP " + std::to_string(startup_r.status) : st;
    out["server version"] = version;
    out["cli version"] = kCliVersion;
    print_object(std::cout, out);
  }
  return is_ready ? exit_code::ok : exit_code::generic;
}

}  // namespace

void add_status_command(CLI::App& root, Context& ctx) {
  auto* c = root.add_subcommand("status", "Server health (live/ready/startup) and versions; exit 1 when not ready");
  c->callback([&ctx] { ctx.action = [&ctx] { return run_status(ctx); }; });
}

}  // namespace vault::cli
