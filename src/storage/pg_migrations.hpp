#pragma once
/// Versioned schema migrations for the PostgreSQL metadata store.
#include "storage/pg_connection.hpp"

namespace vault::storage::pg {

/// The schema version this binary brings the database to.
int latest_schema_version();

/// Applies every migration step not yet recorded in `schema_migrations`, in
/// order, in one transaction holding an advisory lock (replicas starting
/// together migrate once). Returns the schema version afterwards;
/// Configuration error if the database is newer than this binary.
Result<int> migrate(Connection& c);

}  // namespace vault::storage::pg
