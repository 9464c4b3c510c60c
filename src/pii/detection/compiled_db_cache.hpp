#pragma once
// A directory of serialized Vectorscan databases, so a scanner whose
// patterns did not change loads its database in milliseconds instead of
// compiling it for seconds at every start (vaultd, `vault scan`).
//
// A database is filed under the SHA-256 of everything its compilation
// depends on: the Vectorscan version, the mode, and every expression with
// its flags and id. A file holds the SHA-256 of the serialized bytes and
// the bytes; a file that is short, altered, or that Vectorscan refuses
// (another version or platform) counts as a miss and is compiled again.
// The cache is an optimisation: failing to read or write it is never an
// error. Files are written privately (0600) and atomically (rename).
#include <hs/hs.h>

#include <string>
#include <vector>

namespace vault::pii::detail {

/// The key of one compilation (64 hex characters).
std::string compiled_db_key(const std::vector<const char*>& expressions, const std::vector<unsigned>& flags,
                            const std::vector<unsigned>& ids, unsigned mode);

/// The cached database of `key` in `dir`, or null (miss, damaged, incompatible).
hs_database_t* load_compiled_db(const std::string& dir, const std::string& key);

/// Files `db` under `key` in `dir` (created 0700 if missing); silent on failure.
void store_compiled_db(const std::string& dir, const std::string& key, const hs_database_t* db);

}  // namespace vault::pii::detail
