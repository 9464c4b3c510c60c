#pragma once
/// Row <-> value mapping shared by the PostgreSQL stores' translation units.
#include "storage/pg_connection.hpp"
#include "vault/core/ids.hpp"
#include "vault/storage/types.hpp"

#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace vault::storage::pg {

using vault::now_micros;  // core/ids.hpp

namespace detail {
template <class V>
struct RowValue {
  using type = V;
};
template <class T>
struct RowValue<Result<T>> {
  using type = T;
};
}  // namespace detail

/// Every row of `rows` mapped with `to_value(const Rows&, int row)`, which
/// returns the value or a Result of it (the first error ends the read).
template <class Fn, class R = std::invoke_result_t<Fn&, const Rows&, int>,
          class T = typename detail::RowValue<R>::type>
Result<std::vector<T>> collect(const Result<Rows>& rows, Fn&& to_value) {
  if (!rows) return std::unexpected(rows.error());
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    if constexpr (std::is_same_v<R, T>) {
      out.push_back(to_value(*rows, i));
    } else {
      auto v = to_value(*rows, i);
      if (!v) return std::unexpected(v.error());
      out.push_back(std::move(*v));
    }
  }
  return out;
}

/// Column `col` read as one of an enum's names (types.hpp parse_*); any
/// other text is a Database error naming `column`.
template <class E>
Result<E> enum_column(const Rows& r, int row, int col, std::optional<E> (*parse)(std::string_view),
                      std::string_view column) {
  const std::string text = r.text(row, col);
  if (auto v = parse(text)) return *v;
  return fail(ErrorKind::Database,
              "postgresql: " + std::string(column) + " holds an unknown value '" + text + "'");
}

/// The column list `dataset_from` expects, prefixed by `pk`.
inline constexpr const char* kDatasetColumns =
    "pk, id, tenant_id, name, description, tags, schema_json, status, etag, seq, "
    "record_count, record_bytes, version_count, created_at, updated_at, pii_policy";
Dataset dataset_from(const Rows& r, int row);

struct DatasetRow {
  std::int64_t pk = 0;
  Dataset d;
};
/// DatasetNotFound when the tenant has no dataset with that id. With
/// `for_update` the row stays locked until the transaction ends.
Result<DatasetRow> load_dataset(Connection& c, const std::string& tenant_id, const std::string& id,
                                bool for_update = false);
Error dataset_not_found();

inline constexpr const char* kRecordColumns =
    "record_id, revision, seq, created_seq, payload, created_at, updated_at, quarantined, findings";
Record record_from(const Rows& r, int row);
/// Up to `limit` records of `rows`, which selected kRecordColumns with limit
/// + 1 rows: when there are more, next_after is the `cursor` field of the
/// last record returned.
RecordPage record_page(const Rows& rows, int limit, Seq Record::*cursor);

inline constexpr const char* kVersionColumns =
    "number, seq, message, author_key_id, record_count, record_bytes, content_hash, created_at";
Version version_from(const Rows& r, int row, const std::string& dataset_id);

}  // namespace vault::storage::pg
