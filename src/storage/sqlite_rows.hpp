#pragma once
/// Row <-> value mapping shared by the SQLite store's translation units.
#include "storage/sqlite_connection.hpp"
#include "vault/storage/types.hpp"

#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace vault::storage::sqlite {

Timestamp now_micros();

/// Steps `st` once and tells whether a row exists.
inline Result<bool> exists(Result<Stmt>& st) {
  if (!st) return std::unexpected(st.error());
  return st->step();
}

namespace detail {
template <class V>
struct RowValue {
  using type = V;
};
template <class T>
struct RowValue<Result<T>> {
  using type = T;
};
template <class Fn>
using RowValueOf = typename RowValue<std::invoke_result_t<Fn&, const Stmt&>>::type;
}  // namespace detail

/// Steps `st` to its end and maps every row with `to_value(const Stmt&)`,
/// which returns the value or a Result of it (the first error ends the read).
template <class Fn>
Result<std::vector<detail::RowValueOf<Fn>>> collect(Result<Stmt>& st, Fn&& to_value) {
  using T = detail::RowValueOf<Fn>;
  if (!st) return std::unexpected(st.error());
  std::vector<T> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    if constexpr (std::is_same_v<std::invoke_result_t<Fn&, const Stmt&>, T>) {
      out.push_back(to_value(std::as_const(*st)));
    } else {
      auto v = to_value(std::as_const(*st));
      if (!v) return std::unexpected(v.error());
      out.push_back(std::move(*v));
    }
  }
}

/// Database error: `column` (e.g. "key_jobs.state") holds a text its enum does not know.
Error unknown_column_value(std::string_view column, std::string_view text);

/// Column `col` read as one of an enum's names; `parse` is the enum's parse_*
/// function (types.hpp). Any other text is a Database error naming `column`.
template <class E>
Result<E> enum_column(const Stmt& s, int col, std::optional<E> (*parse)(std::string_view),
                      std::string_view column) {
  const std::string text = s.text(col);
  if (auto v = parse(text)) return *v;
  return std::unexpected(unknown_column_value(column, text));
}

/// Tags are stored as "tag1\x1Ftag2\x1F" (each tag terminated by char 31).
std::string encode_tags(const std::vector<std::string>& tags);
std::vector<std::string> decode_tags(std::string_view s);

/// The column list `dataset_from` expects, prefixed by `pk`.
inline constexpr const char* kDatasetColumns =
    "pk, id, tenant_id, name, description, tags, schema_json, status, etag, seq, "
    "record_count, record_bytes, version_count, created_at, updated_at, pii_policy";
Dataset dataset_from(const Stmt& s);

struct DatasetRow {
  std::int64_t pk = 0;
  Dataset d;
};
/// DatasetNotFound when the tenant has no dataset with that id.
Result<DatasetRow> load_dataset(Connection& c, const std::string& tenant_id, const std::string& id);
Error dataset_not_found();

inline constexpr const char* kRecordColumns =
    "record_id, revision, seq, created_seq, payload, created_at, updated_at, quarantined, findings";
Record record_from(const Stmt& s);
/// Up to `limit` records of `st`, which selects kRecordColumns and asks for
/// limit + 1 rows: when there are more, next_after is the `cursor` field
/// (seq or created_seq) of the last record returned.
Result<RecordPage> record_page(Stmt& st, int limit, Seq Record::*cursor);

inline constexpr const char* kVersionColumns =
    "number, seq, message, author_key_id, record_count, record_bytes, content_hash, created_at";
Version version_from(const Stmt& s, const std::string& dataset_id);

}  // namespace vault::storage::sqlite
