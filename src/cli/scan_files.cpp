// Input expansion and format detection for `vault scan` (see scan_files.hpp).
#include "cli/scan_files.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vault::cli::scan {
namespace fs = std::filesystem;

bool parse_input_format(const std::string& name, InputFormat& out) {
  static const std::pair<const char*, InputFormat> names[] = {{"auto", InputFormat::Auto},
                                                              {"jsonl", InputFormat::Jsonl},
                                                              {"json", InputFormat::Json},
                                                              {"csv", InputFormat::Csv},
                                                              {"text", InputFormat::Text}};
  for (const auto& [n, f] : names)
    if (name == n) {
      out = f;
      return true;
    }
  return false;
}

const char* format_name(InputFormat f) {
  switch (f) {
    case InputFormat::Auto: return "auto";
    case InputFormat::Jsonl: return "jsonl";
    case InputFormat::Json: return "json";
    case InputFormat::Csv: return "csv";
    case InputFormat::Text: return "text";
  }
  return "text";
}

InputFormat format_for_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".jsonl" || ext == ".ndjson") return InputFormat::Jsonl;
  if (ext == ".json") return InputFormat::Json;
  if (ext == ".csv") return InputFormat::Csv;
  return InputFormat::Text;
}

bool glob_matches(const std::string& pattern, const std::string& rel_path) {
  if (::fnmatch(pattern.c_str(), rel_path.c_str(), 0) == 0) return true;
  auto slash = rel_path.rfind('/');
  return slash != std::string::npos && ::fnmatch(pattern.c_str(), rel_path.c_str() + slash + 1, 0) == 0;
}

namespace {

bool any_match(const std::vector<std::string>& globs, const std::string& rel) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return glob_matches(g, rel); });
}

std::string join(const std::string& root, const std::string& rel) {
  if (root.empty() || root == ".") return rel;
  return root.back() == '/' ? root + rel : root + "/" + rel;
}

}  // namespace

WalkResult walk_inputs(const std::vector<std::string>& roots, const std::vector<std::string>& include,
                       const std::vector<std::string>& exclude, std::string& error) {
  WalkResult out;
  for (const auto& root : roots) {
    std::error_code ec;
    auto st = fs::status(root, ec);
    if (ec || !fs::exists(st)) {
      error = "cannot read " + root + ": " + (ec ? ec.message() : std::string("no such file or directory"));
      return out;
    }
    if (fs::is_regular_file(st)) {
      out.files.push_back({root, static_cast<std::uint64_t>(fs::file_size(root, ec))});
      continue;
    }
    if (!fs::is_directory(st)) {
      out.skipped.emplace_back(root, "not a regular file");
      continue;
    }
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
    if (ec) {
      error = "cannot read " + root + ": " + ec.message();
      return out;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) {
        out.skipped.emplace_back(root, "directory walk stopped: " + ec.message());
        break;
      }
      std::string rel = fs::path(it->path()).lexically_relative(root).generic_string();
      std::error_code sec;
      auto est = it->status(sec);  // follows symlinks to files; symlinked dirs are not descended
      if (fs::is_directory(est)) {
        if (any_match(exclude, rel)) it.disable_recursion_pending();
        continue;
      }
      std::string path = join(root, rel);
      if (!fs::is_regular_file(est)) {
        out.skipped.emplace_back(path, sec ? "unreadable: " + sec.message() : "not a regular file");
        continue;
      }
      if ((!include.empty() && !any_match(include, rel)) || any_match(exclude, rel)) {
        ++out.excluded;
        continue;
      }
      out.files.push_back({path, static_cast<std::uint64_t>(it->file_size(sec))});
    }
  }
  std::sort(out.files.begin(), out.files.end(), [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  out.files.erase(std::unique(out.files.begin(), out.files.end(),
                              [](const InputFile& a, const InputFile& b) { return a.path == b.path; }),
                  out.files.end());
  std::sort(out.skipped.begin(), out.skipped.end());
  return out;
}

}  // namespace vault::cli::scan
