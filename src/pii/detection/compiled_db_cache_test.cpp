// The compiled-database cache: a second scanner of the same catalogue loads
// what the first compiled and finds the same things; a damaged file or
// another catalogue is compiled afresh.
#include "compiled_db_cache.hpp"
#include "vault/pii/detection/scanner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace vault::pii {
namespace {

namespace fs = std::filesystem;

Catalogue generic_catalogue() {
  Catalogue c;
  for (auto& r : generic_recognizers()) EXPECT_TRUE(c.add(std::move(r)));
  return c;
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("vault-hsdb-" + std::to_string(std::random_device{}()));
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::vector<fs::path> files() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path());
    return out;
  }
};

std::vector<std::string> spans(const Scanner& s, const std::string& text) {
  std::vector<std::string> out;
  for (const auto& f : s.scan_text(text)) out.push_back(f.entity + ":" + text.substr(f.begin, f.end - f.begin));
  return out;
}

const std::string kText = "Mail john.doe@example.com, card 4111 1111 1111 1111, ip 10.0.0.1, call +1 415 555 0100.";

TEST(CompiledDbCache, ASecondScannerLoadsTheFirstOnesDatabaseAndFindsTheSame) {
  TempDir dir;
  const Catalogue c = generic_catalogue();
  const Scanner plain(c);
  const Scanner first(c, {.compile_cache_dir = dir.path.string()});
  auto files = dir.files();
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(fs::status(dir.path).permissions() & fs::perms::all, fs::perms::owner_all);
  for (const auto& f : files) EXPECT_EQ(fs::status(f).permissions() & fs::perms::all,
                                        fs::perms::owner_read | fs::perms::owner_write);
  const auto written = fs::last_write_time(files.front());
  const Scanner second(c, {.compile_cache_dir = dir.path.string()});
  EXPECT_EQ(dir.files().size(), files.size());                // nothing new was compiled and filed
  EXPECT_EQ(fs::last_write_time(files.front()), written);      // the file was read, not rewritten
  EXPECT_FALSE(spans(plain, kText).empty());
  EXPECT_EQ(spans(second, kText), spans(plain, kText));
  EXPECT_EQ(spans(first, kText), spans(plain, kText));
}

TEST(CompiledDbCache, ADamagedFileIsCompiledAgainAndReplaced) {
  TempDir dir;
  const Catalogue c = generic_catalogue();
  { const Scanner warm(c, {.compile_cache_dir = dir.path.string()}); }
  for (const auto& f : dir.files()) {
    std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(40);
    io.put('\x5a');  // one byte of the serialized database changed
  }
  const Scanner s(c, {.compile_cache_dir = dir.path.string()});
  EXPECT_EQ(spans(s, kText), spans(Scanner(c), kText));
  // and the damaged entry was replaced by a sound one
  for (const auto& f : dir.files()) {
    const std::string key = f.stem().string().substr(std::string("vectorscan-").size());
    hs_database_t* db = detail::load_compiled_db(dir.path.string(), key);
    EXPECT_NE(db, nullptr) << f;
    if (db) hs_free_database(db);
  }
}

TEST(CompiledDbCache, TheKeyCoversExpressionsFlagsIdsAndMode) {
  const std::vector<const char*> a{"ab+c", "[0-9]{3}"};
  const std::vector<const char*> b{"ab+c", "[0-9]{4}"};
  const std::vector<unsigned> flags{0, 0}, flags2{0, 1}, ids{0, 1}, ids2{1, 0};
  const std::string k = detail::compiled_db_key(a, flags, ids, HS_MODE_BLOCK);
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k, detail::compiled_db_key(a, flags, ids, HS_MODE_BLOCK));
  EXPECT_NE(k, detail::compiled_db_key(b, flags, ids, HS_MODE_BLOCK));
  EXPECT_NE(k, detail::compiled_db_key(a, flags2, ids, HS_MODE_BLOCK));
  EXPECT_NE(k, detail::compiled_db_key(a, flags, ids2, HS_MODE_BLOCK));
  EXPECT_NE(k, detail::compiled_db_key(a, flags, ids, HS_MODE_STREAM));
  // a missing or unusable directory is a miss, never an error
  EXPECT_EQ(detail::load_compiled_db("/nonexistent/dir", k), nullptr);
  detail::store_compiled_db("/proc/not-writable", k, nullptr);
}

TEST(CompiledDbCache, AnotherCatalogueGetsItsOwnDatabase) {
  TempDir dir;
  Catalogue c = generic_catalogue();
  { const Scanner s(c, {.compile_cache_dir = dir.path.string()}); }
  const auto before = dir.files().size();
  RecognizerSpec extra;
  extra.name = "ticket";
  extra.entity = "TICKET";
  PatternSpec ticket;
  ticket.name = "ticket";
  ticket.regex = "TCK-[0-9]{6}";
  ticket.score = 0.9;
  extra.patterns.push_back(ticket);
  ASSERT_TRUE(c.add(extra));
  const Scanner s(c, {.compile_cache_dir = dir.path.string()});
  EXPECT_GT(dir.files().size(), before);
  auto found = spans(s, "see TCK-123456 now");
  EXPECT_NE(std::find(found.begin(), found.end(), "TICKET:TCK-123456"), found.end());
}

}  // namespace
}  // namespace vault::pii
