#include "storage/sqlite_stores.hpp"

namespace vault::storage {

Result<std::unique_ptr<SqliteBackend>> SqliteBackend::open(const std::string& path) {
  auto db = SqliteDatabase::open(path);
  if (!db) return std::unexpected(db.error());
  return std::unique_ptr<SqliteBackend>(new SqliteBackend(std::move(*db)));
}

SqliteBackend::SqliteBackend(std::unique_ptr<SqliteDatabase> db)
    : db_(std::move(db)),
      tenants_(*db_),
      datasets_(*db_),
      records_(*db_),
      versions_(*db_),
      keys_(*db_),
      jobs_(*db_),
      tokens_(*db_),
      idempotency_(*db_),
      stores_{tenants_, datasets_, records_, versions_, keys_, jobs_, tokens_, idempotency_, *db_} {}

}  // namespace vault::storage
