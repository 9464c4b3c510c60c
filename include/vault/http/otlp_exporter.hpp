#pragma once
/// Spans to an OpenTelemetry collector over OTLP/HTTP with the JSON
/// encoding: POST <endpoint> (e.g. http://127.0.0.1:4318/v1/traces),
/// Content-Type application/json, one ExportTraceServiceRequest per batch.
/// Plain http:// only (run the collector beside vaultd); each export waits
/// at most `timeout` (connect, send and answer together).
#include "vault/observability/tracing.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace vault::http {

/// ValidationError for an endpoint that is not http://host:port/path.
Result<std::unique_ptr<obs::SpanExporter>> otlp_http_exporter(const std::string& endpoint,
                                                              std::chrono::milliseconds timeout);

}  // namespace vault::http
