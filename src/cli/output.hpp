#pragma once
/// Rendering of server answers for the CLI: `--format json` prints the
/// server's JSON unchanged, `--format table` prints aligned columns for lists
/// and "key  value" lines for single objects.
#include <boost/json/value.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace vault::cli {

enum class Format { Table, Json };

struct Column {
  std::string header;          ///< printed upper-case
  std::string key;             ///< top-level member of each item
  std::size_t max_width = 0;   ///< 0 = unlimited; longer cells end in "…"
};

/// A JSON value as one table cell: strings unquoted, null empty, arrays of
/// scalars comma-joined, anything else compact JSON.
std::string cell_text(const boost::json::value& v);

/// Aligned columns with a header row; items that are not objects are skipped.
void print_table(std::ostream& out, const boost::json::array& items, const std::vector<Column>& cols);

/// One "key  value" line per member, keys aligned.
void print_object(std::ostream& out, const boost::json::object& obj);

}  // namespace vault::cli
