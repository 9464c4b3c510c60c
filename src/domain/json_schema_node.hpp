#pragma once
/// The compiled form of a JSON-Schema node (private to json_schema.cpp and
/// its tests).
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace vault::domain::schema_detail {

enum TypeBit : std::uint8_t {
  kNull = 1,
  kBoolean = 2,
  kObject = 4,
  kArray = 8,
  kNumber = 16,
  kInteger = 32,
  kString = 64,
};

struct Node;

struct Property {
  std::string name;
  std::unique_ptr<Node> schema;
};

struct Node {
  std::optional<bool> constant;             ///< set for the boolean schemas true/false
  std::uint8_t types = 0;                   ///< TypeBit mask; 0 = any type
  std::vector<Property> properties;         ///< in schema order
  std::vector<std::string> property_names;  ///< sorted, for additionalProperties
  std::vector<std::string> required;        ///< in schema order
  bool additional_allowed = true;
  std::unique_ptr<Node> items;
  std::optional<boost::json::array> enum_values;
  std::optional<boost::json::value> const_value;
  std::optional<std::uint64_t> min_length, max_length, min_items, max_items;
  std::optional<boost::json::value> minimum, maximum, exclusive_minimum, exclusive_maximum;
  std::shared_ptr<const re2::RE2> pattern;  ///< ECMA source translated to RE2 (ecma_regex.hpp), searched unanchored
  std::string pattern_source;              ///< as written in the schema
};

}  // namespace vault::domain::schema_detail
