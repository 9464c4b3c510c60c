#pragma once
/// W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent`
/// handling and fast random identifiers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vault::obs {

/// A parsed `traceparent` header.
struct TraceParent {
  std::uint8_t version = 0;
  std::string trace_id;   ///< 32 lowercase hex, not all zero
  std::string parent_id;  ///< 16 lowercase hex, not all zero
  std::uint8_t flags = 0; ///< bit 0: sampled
  bool sampled() const { return flags & 1; }
};

/// Parses a traceparent value (surrounding spaces/tabs ignored). Version
/// 00 must be exactly `00-<32 hex>-<16 hex>-<2 hex>`. Versions 01..fe
/// (future) are accepted when at least that prefix is valid and any
/// extra data follows a '-'; version ff, uppercase or invalid hex, wrong
/// lengths and all-zero ids are rejected (nullopt: start a new trace).
std::optional<TraceParent> parse_traceparent(std::string_view header);

/// "00-<trace_id>-<span_id>-<flags as 2 hex>" (always version 00).
/// Whether a `tracestate` value may be carried on (W3C: at most 512
/// characters here, printable ASCII, at most 32 comma-separated members);
/// anything else is dropped, not repaired.
bool is_acceptable_tracestate(std::string_view value);

std::string format_traceparent(std::string_view trace_id, std::string_view span_id, std::uint8_t flags);

/// 32 lowercase hex chars, never all zero. Thread-local generator seeded
/// from OpenSSL RAND_bytes (not for secrets).
std::string new_trace_id();
/// 16 lowercase hex chars, never all zero.
std::string new_span_id();
/// A request id for X-Request-ID when the client sent none: 32 hex chars.
std::string new_request_id();
/// Whether a client-supplied X-Request-ID may be echoed: 1..128 visible
/// ASCII characters from [A-Za-z0-9._:-+=/@], nothing else.
bool is_acceptable_request_id(std::string_view id);

}  // namespace vault::obs
