#pragma once
/// Versioned schema migrations for the SQLite metadata store.
#include "storage/sqlite_connection.hpp"

namespace vault::storage::sqlite {

/// The schema version this binary brings the database to.
int latest_schema_version();

/// Applies every migration newer than the database's version, in order, in
/// one transaction, recording each in `schema_migrations`. Returns the schema
/// version afterwards. Configuration error if the database is newer than
/// this binary.
Result<int> migrate(Connection& c);

}  // namespace vault::storage::sqlite
