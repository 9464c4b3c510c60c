#pragma once
/// Shared state of one CLI invocation: the global options, the action the
/// chosen subcommand registered, and the helpers every command uses to talk
/// to the server and report failures with the documented exit codes.
#include "cli/http_client.hpp"
#include "cli/output.hpp"

#include <boost/json/value.hpp>

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vault::cli {

inline constexpr const char* kCliVersion = "0.1.0";

/// Process exit codes (also listed in the `vault --help` footer).
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int generic = 1;     ///< server error, failed lines, local I/O
inline constexpr int usage = 2;       ///< bad command line or argument
inline constexpr int not_found = 3;   ///< 404
inline constexpr int auth = 4;        ///< 401 / 403
inline constexpr int conflict = 5;    ///< 409 / 412 / 422
inline constexpr int connection = 6;  ///< cannot reach the server
}  // namespace exit_code

struct GlobalOptions {
  std::string url = "http://127.0.0.1:8080";
  std::string api_key;
  std::string format = "table";
  bool quiet = false;  ///< no progress or notes on stderr
};

struct Context {
  GlobalOptions opts;
  /// Set by the callback of the leaf subcommand; run after parsing.
  std::function<int()> action;

  HttpClient client() const { return HttpClient(opts.url, opts.api_key); }
  Format format() const { return opts.format == "json" ? Format::Json : Format::Table; }
  /// A note on stderr unless --quiet.
  void note(const std::string& text) const;
};

/// Exit code for an HTTP status (>= 400).
int exit_code_for_status(long status);

/// Prints `error: <type> (<code>): <message>` (or the raw status) to stderr
/// and returns the exit code for the response.
int report_http_error(const HttpResponse& r);
/// Prints `error: cannot reach the server: ...` and returns exit_code::connection
/// (or exit_code::generic for a local I/O failure).
int report_transport_error(const TransportError& e);
/// Prints `error: <message>` and returns exit_code::usage.
int usage_error(const std::string& message);

using Renderer = std::function<void(const boost::json::value&)>;

/// Sends one JSON request; on 2xx prints the body (json format: verbatim;
/// table format: `render`, or nothing for an empty body) and returns 0.
int run_request(const Context& ctx, const std::string& method, const std::string& path,
                const std::optional<std::string>& body, const std::vector<std::string>& headers,
                const Renderer& render);

/// GETs a paginated list (`{items, next_cursor}`) at `path` + `params`.
/// With `all`, follows next_cursor and prints every item as one page.
/// Table format prints `cols`; a remaining next_cursor is noted on stderr.
int run_list(const Context& ctx, const std::string& path,
             std::vector<std::pair<std::string, std::string>> params, const std::vector<Column>& cols,
             bool all);

/// Parses a JSON command-line argument: inline JSON, `@FILE`, or `@-` (stdin).
std::expected<boost::json::value, std::string> read_json_arg(const std::string& arg);

/// "?a=1&b=x" from name/value pairs, skipping empty values; values escaped.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

/// `If-Match` header line for an ETag given with or without quotes; none when empty.
std::vector<std::string> if_match_header(const std::string& etag);

/// "/api/v1/datasets/<escaped id>"
std::string dataset_path(const std::string& id);

}  // namespace vault::cli
