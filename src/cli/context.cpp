#include "cli/context.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace vault::cli {

void Context::note(const std::string& text) const {
  if (!opts.quiet) {
    std::cout << std::flush;
    std::cerr << text << '\n';
  }
}

int exit_code_for_status(long status) {
  switch (status) {
    case 401:
    case 403:
      return exit_code::auth;
    case 404:
      return exit_code::not_found;
    case 409:
    case 412:
    case 422:
      return exit_code::conflict;
    default:
      return exit_code::generic;
  }
}

int report_http_error(const HttpResponse& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  const boost::json::object* err = nullptr;
  if (!ec && v.is_object()) {
    if (const auto* e = v.get_object().if_contains("error"); e && e->is_object()) err = &e->get_object();
  }
  if (err) {
    auto text = [&](const char* k) {
      const auto* x = err->if_contains(k);
      return x && x->is_string() ? std::string(x->get_string()) : std::string("?");
    };
    std::cerr << "error: " << text("type") << " (" << text("code") << "): " << text("message") << '\n';
    if (const auto* d = err->if_contains("details"); d && d->is_object() && !d->get_object().empty())
      std::cerr << "  details: " << boost::json::serialize(*d) << '\n';
  } else {
    std::string snippet = r.body.substr(0, 200);
    std::cerr << "error: HTTP " << r.status << (snippet.empty() ? "" : ": " + snippet) << '\n';
  }
  return exit_code_for_status(r.status);
}

int report_transport_error(const TransportError& e) {
  if (e.local_io) {
    std::cerr << "error: " << e.message << '\n';
    return exit_code::generic;
  }
  std::cerr << "error: cannot reach the server: " << e.message << '\n';
  return exit_code::connection;
}

int usage_error(const std::string& message) {
  std::cerr << "error: " << message << '\n';
  return exit_code::usage;
}

int run_request(const Context& ctx, const std::string& method, const std::string& path,
                const std::optional<std::string>& body, const std::vector<std::string>& headers,
                const Renderer& render) {
  auto r = ctx.client().request(method, path, body, headers);
  if (!r) return report_transport_error(r.error());
  if (!r->ok()) return report_http_error(*r);
  if (r->body.empty()) return exit_code::ok;
  if (ctx.format() == Format::Json) {
    std::cout << r->body;
    if (r->body.back() != '\n') std::cout << '\n';
    return exit_code::ok;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(r->body, ec);
  if (ec) {
    std::cerr << "error: the server answered with invalid JSON\n";
    return exit_code::generic;
  }
  if (render) {
    render(v);
  } else if (v.is_object()) {
    print_object(std::cout, v.get_object());
  } else {
    std::cout << boost::json::serialize(v) << '\n';
  }
  return exit_code::ok;
}

std::expected<boost::json::value, std::string> read_json_arg(const std::string& arg) {
  std::string text;
  if (arg.starts_with("@")) {
    std::string file = arg.substr(1);
    if (file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream in(file, std::ios::binary);
      if (!in) return std::unexpected("cannot read " + file);
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
  } else {
    text = arg;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) return std::unexpected("invalid JSON argument: " + ec.message());
  return v;
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    q += q.empty() ? "?" : "&";
    q += k + "=" + HttpClient::escape(v);
  }
  return q;
}

std::vector<std::string> if_match_header(const std::string& etag) {
  if (etag.empty()) return {};
  return {"If-Match: " + (etag.front() == '"' ? etag : "\"" + etag + "\"")};
}

std::string dataset_path(const std::string& id) { return "/api/v1/datasets/" + HttpClient::escape(id); }

}  // namespace vault::cli

namespace vault::cli {

int run_list(const Context& ctx, const std::string& path,
             std::vector<std::pair<std::string, std::string>> params, const std::vector<Column>& cols,
             bool all) {
  auto client = ctx.client();
  boost::json::array items;
  std::string cursor;
  for (auto& [k, v] : params)
    if (k == "cursor") cursor = v;
  std::string last_body;
  for (int page = 0;; ++page) {
    for (auto& [k, v] : params)
      if (k == "cursor") v = cursor;
    if (page == 0 && cursor.empty()) params.emplace_back("cursor", "");
    auto r = client.request("GET", path + query_string(params));
    if (!r) return report_transport_error(r.error());
    if (!r->ok()) return report_http_error(*r);
    boost::system::error_code ec;
    auto v = boost::json::parse(r->body, ec);
    if (ec || !v.is_object() || !v.get_object().contains("items") || !v.at("items").is_array()) {
      std::cerr << "error: unexpected answer from the server (no items list)\n";
      return exit_code::generic;
    }
    for (auto& item : v.at("items").get_array()) items.push_back(item);
    const auto* next = v.get_object().if_contains("next_cursor");
    cursor = next && next->is_string() ? std::string(next->get_string()) : std::string();
    last_body = std::move(r->body);
    if (!all || cursor.empty()) break;
  }
  if (ctx.format() == Format::Json) {
    if (!all) {
      std::cout << last_body;
      if (last_body.empty() || last_body.back() != '\n') std::cout << '\n';
    } else {
      boost::json::object out{{"items", std::move(items)}, {"next_cursor", nullptr}};
      std::cout << boost::json::serialize(out) << '\n';
    }
    return exit_code::ok;
  }
  print_table(std::cout, items, cols);
  if (!cursor.empty()) ctx.note("more: --cursor " + cursor + " (or --all)");
  return exit_code::ok;
}

}  // namespace vault::cli
