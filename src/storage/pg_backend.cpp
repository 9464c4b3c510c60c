#include "storage/pg_stores.hpp"

namespace vault::storage {

Result<std::unique_ptr<PgBackend>> PgBackend::open(const std::string& url, const PgOptions& o) {
  auto db = PgDatabase::open(url, o);
  if (!db) return std::unexpected(db.error());
  return std::unique_ptr<PgBackend>(new PgBackend(std::move(*db)));
}

PgBackend::PgBackend(std::unique_ptr<PgDatabase> db)
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
