#pragma once
/// A compiled JSON-Schema subset used to validate dataset records.
///
/// Supported keywords (docs/api.md): type (a name or a list of names among
/// object, array, string, number, integer, boolean, null), properties,
/// required, additionalProperties (boolean only), items (a single schema),
/// enum, const, minLength/maxLength (Unicode code points), pattern
/// (ECMA-262 syntax translated to RE2: a linear-time, unanchored search over
/// the string's UTF-8 code points; back-references, lookaround, repetition
/// counts above 1000 and patterns compiling to very large programs are
/// refused at compile time),
/// minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers, draft
/// 2020-12 style), minItems, maxItems. `true`/`false` are accepted as schemas.
/// The annotations $schema, $id, $comment, title, description, default,
/// examples are accepted and ignored; any other keyword is rejected.
///
/// A compiled schema is immutable: validate() may run concurrently from any
/// number of threads. Copies share the compiled tree.
#include <boost/json/value.hpp>
#include <memory>

#include "vault/core/cancellation.hpp"
#include "vault/core/error.hpp"

namespace vault::domain {

namespace schema_detail {
struct Node;
}

class JsonSchema {
 public:
  /// Compiles `schema`. Fails with ErrorKind::Validation when the schema uses
  /// an unsupported keyword or an invalid value (bad type name, negative
  /// length, invalid regex, ...); details carry {"keyword", "pointer"} where
  /// pointer is the JSON pointer of the offending keyword inside the schema.
  static Result<JsonSchema> compile(const boost::json::value& schema);

  /// Checks `instance` against the schema and reports the first failure,
  /// deterministically (keywords in a fixed order, properties in schema
  /// order, array items and additional properties in instance order).
  /// Fails with ErrorKind::SchemaValidation, details
  /// {"field": "<JSON pointer into the instance>", "reason", "keyword"}.
  /// Neither the message nor the details contain instance values (only
  /// field names, capped in length).
  /// `cancel` (default: the thread's current token) is checked every few
  /// thousand values visited and before searching long strings; when it
  /// fires, validation stops with its error (DeadlineExceeded, or Transient
  /// {"cancelled": true}) instead of a SchemaValidation error.
  Status validate(const boost::json::value& instance,
                  const Cancellation* cancel = Cancellation::current()) const;

 private:
  explicit JsonSchema(std::shared_ptr<const schema_detail::Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const schema_detail::Node> root_;
};

}  // namespace vault::domain
