#include "storage/sqlite_stores.hpp"

#include "storage/sqlite_migrations.hpp"
#include "support/temp_dir.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace vault::storage {
namespace {

using Op = RecordWrite::Op;

std::string fresh_db_path() {
  static std::mutex mu;
  std::lock_guard lk(mu);
  return (testing::process_temp_dir().fresh("meta") / "meta.db").string();
}

std::unique_ptr<SqliteBackend> open_at(const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  auto s = SqliteBackend::open(path);
  EXPECT_TRUE(s) << s.error().message();
  return s ? std::move(*s) : nullptr;
}

void seed(const Stores& s) {
  ASSERT_TRUE(s.tenants.create_tenant(Tenant{"t1", "one", "active", 1}));
  Dataset d;
  d.id = "ds1";
  d.tenant_id = "t1";
  d.name = "n";
  ASSERT_TRUE(s.datasets.create_dataset(d));
}

/// Runs `sql` on the database file itself, past the store.
void exec_raw(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

/// The first column of the first row of `sql`, read from the file itself.
std::string column_text(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  std::string out = "<error>";
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

TEST(SqliteStores, ReopenKeepsEverything) {
  const auto path = fresh_db_path();
  {
    auto s = open_at(path);
    ASSERT_TRUE(s);
    seed(s->stores());
    ASSERT_TRUE(s->stores().records.write_records("t1", "ds1",
                                                  {{Op::Insert, "a", "1", {}}, {Op::Insert, "b", "2", {}}}));
    ASSERT_TRUE(s->stores().records.write_records("t1", "ds1", {{Op::Replace, "a", "1b", {}}}));
    Version v;
    v.dataset_id = "ds1";
    v.seq = 2;
    ASSERT_TRUE(s->stores().versions.create_version("t1", v));
    s->stores().ops.close();
  }
  auto s = open_at(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->stores().ops.schema_version(), sqlite::latest_schema_version());
  auto d = s->stores().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->seq, 3);
  EXPECT_EQ(d->record_count, 2);
  EXPECT_EQ(d->version_count, 1);
  auto a = s->stores().records.get_record("t1", "ds1", "a", 2);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->payload, "1");
  auto w = s->stores().records.write_records("t1", "ds1", {{Op::Insert, "c", "3", {}}});
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)[0].seq, 4);
}

TEST(SqliteStores, MigrationsAreRecordedAndNewerSchemaIsRefused) {
  const auto path = fresh_db_path();
  {
    auto s = open_at(path);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->stores().ops.schema_version(), sqlite::latest_schema_version());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*), max(version) FROM schema_migrations", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), sqlite::latest_schema_version());
  EXPECT_EQ(sqlite3_column_int(st, 1), sqlite::latest_schema_version());
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES(9999, 0)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = SqliteBackend::open(path);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind(), ErrorKind::Configuration);
}

TEST(SqliteStores, MigrationSixConvertsSeparatedTagsAndPermissions) {
  const auto path = fresh_db_path();
  {
    auto s = open_at(path);
    ASSERT_TRUE(s);
    seed(s->stores());
    ApiKey k;
    k.id = "k1";
    k.tenant_id = "t1";
    k.name = "k";
    k.key_hash = "h";
    k.prefix = "p";
    ASSERT_TRUE(s->stores().tenants.create_api_key(k));
    s->stores().ops.close();
  }
  // Rewind to schema 5 with rows in its encoding (each item ends with char(31)).
  exec_raw(path,
           "UPDATE datasets SET tags = 'nlp'||char(31)||'x\"y'||char(31);"
           "UPDATE api_keys SET permissions = 'pii:detokenize'||char(31);"
           "DELETE FROM schema_migrations WHERE version = 6;");
  auto s = open_at(path);
  ASSERT_TRUE(s);
  auto d = s->stores().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->tags, (std::vector<std::string>{"nlp", "x\"y"}));
  auto keys = s->stores().tenants.list_api_keys("t1");
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front().permissions, std::vector<std::string>{"pii:detokenize"});
  DatasetFilter f;
  f.tag = "nlp";
  auto l = s->stores().datasets.list_datasets("t1", f);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->size(), 1u);
}

TEST(StorageTypes, KeyStateNamesParseBack) {
  for (auto s : {DataKeyState::Active, DataKeyState::DecryptOnly, DataKeyState::Retired})
    EXPECT_EQ(parse_data_key_state(data_key_state_name(s)), s);
  for (auto s : {TenantKeyState::Active, TenantKeyState::Retired})
    EXPECT_EQ(parse_tenant_key_state(tenant_key_state_name(s)), s);
  for (auto t : {KeyJobType::KekRotation, KeyJobType::DekRotation})
    EXPECT_EQ(parse_key_job_type(key_job_type_name(t)), t);
  for (auto s : {KeyJobState::Running, KeyJobState::Succeeded, KeyJobState::Failed})
    EXPECT_EQ(parse_key_job_state(key_job_state_name(s)), s);
  EXPECT_EQ(parse_data_key_state("Active"), std::nullopt);
  EXPECT_EQ(parse_tenant_key_state("decrypt_only"), std::nullopt);
  EXPECT_EQ(parse_key_job_type(""), std::nullopt);
  EXPECT_EQ(parse_key_job_state("paused"), std::nullopt);
}

// The key states and job types are stored as their names; a row holding any
// other text is a Database error when read (not a silently wrong state).
TEST(SqliteStores, KeyStatesAreStoredByNameAndUnknownOnesAreDatabaseErrors) {
  const auto path = fresh_db_path();
  {
    auto s = open_at(path);
    ASSERT_TRUE(s);
    const Stores& st = s->stores();
    seed(st);
    ASSERT_TRUE(st.keys.put_data_key(DataKey{"t1", "ds1", 1, "kek", 1, "w", DataKeyState::DecryptOnly, 0}));
    TenantKeyConfig cfg;
    cfg.tenant_id = "t1";
    cfg.name = "k";
    ASSERT_TRUE(st.keys.create_tenant_key(cfg, TenantKey{"t1", "k", 1, "w", TenantKeyState::Retired, 0}));
    KeyJob j;
    j.id = "job1";
    j.tenant_id = "t1";
    j.type = KeyJobType::DekRotation;
    j.dataset_id = "ds1";
    j.state = KeyJobState::Failed;
    ASSERT_TRUE(st.jobs.create_key_job(j));
    st.ops.close();
  }
  EXPECT_EQ(column_text(path, "SELECT state FROM data_keys"), "decrypt_only");
  EXPECT_EQ(column_text(path, "SELECT state FROM tenant_keys"), "retired");
  EXPECT_EQ(column_text(path, "SELECT type FROM key_jobs"), "dek_rotation");
  EXPECT_EQ(column_text(path, "SELECT state FROM key_jobs"), "failed");
  exec_raw(path,
           "UPDATE data_keys SET state = 'paused';"
           "UPDATE tenant_keys SET state = 'decrypt_only';"
           "UPDATE key_jobs SET type = 'kek';");
  auto s = open_at(path);
  ASSERT_TRUE(s);
  const Stores& st = s->stores();
  auto keys = st.keys.list_data_keys("t1", "ds1");
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().kind(), ErrorKind::Database);
  EXPECT_NE(keys.error().message().find("data_keys.state"), std::string::npos) << keys.error().message();
  auto tkeys = st.keys.list_tenant_keys("t1", "k");
  ASSERT_FALSE(tkeys);
  EXPECT_EQ(tkeys.error().kind(), ErrorKind::Database);
  auto job = st.jobs.get_key_job("t1", "job1");
  ASSERT_FALSE(job);
  EXPECT_EQ(job.error().kind(), ErrorKind::Database);
  EXPECT_NE(job.error().message().find("key_jobs.type"), std::string::npos) << job.error().message();
  auto jobs = st.jobs.list_key_jobs("t1", 10);
  ASSERT_FALSE(jobs);
  EXPECT_EQ(jobs.error().kind(), ErrorKind::Database);
}

TEST(SqliteStores, ReopeningTwiceIsIdempotent) {
  const auto path = fresh_db_path();
  open_at(path).reset();
  auto s = open_at(path);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->stores().ops.ping());
}

TEST(MetadataBackendFactory, SqliteUrlsAndUnknownSchemes) {
  const auto dir = testing::process_temp_dir().fresh("factory");
  auto s = open_metadata_store("sqlite://" + (dir / "a" / "b" / "meta.db").string());
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_TRUE((*s)->stores().ops.ping());
  EXPECT_TRUE(std::filesystem::exists(dir / "a" / "b" / "meta.db"));
  s->reset();

  // Relative to the working directory.
  const std::string rel = "vault-storage-test-rel-" + std::to_string(::getpid());
  auto r = open_metadata_store("sqlite://" + rel + "/sub/meta.db");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::current_path() / rel / "sub" / "meta.db"));
  r->reset();
  std::filesystem::remove_all(rel);

  for (const std::string bad : {"s3://bucket", "mysql://x", "meta.db", "", "sqlite://",
                                "sqlite:///dir/"}) {
    auto b = open_metadata_store(bad);
    ASSERT_FALSE(b) << bad;
    EXPECT_EQ(b.error().kind(), ErrorKind::Configuration) << bad;
  }
}

// A child process writes batches and reports each acknowledged batch; it is
// killed with SIGKILL mid-stream. Every acknowledged record must be there
// after reopening.
TEST(SqliteStores, AcknowledgedWritesSurviveKill9) {
  const auto path = fresh_db_path();
  {
    auto s = open_at(path);
    ASSERT_TRUE(s);
    seed(s->stores());
  }
  constexpr int kBatch = 25;
  struct Ack {
    std::int64_t batch;
    std::int64_t last_seq;
  };
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    auto s = SqliteBackend::open(path);
    if (!s) ::_exit(2);
    for (std::int64_t b = 0; b < 1000000; ++b) {
      std::vector<RecordWrite> ws;
      for (int i = 0; i < kBatch; ++i)
        ws.push_back({Op::Insert, "r" + std::to_string(b) + "-" + std::to_string(i), std::string(100, 'p'), {}});
      auto r = (*s)->stores().records.write_records("t1", "ds1", std::move(ws));
      if (!r) ::_exit(3);
      const Ack ack{b, r->back().seq};
      if (::write(fds[1], &ack, sizeof ack) != sizeof ack) ::_exit(4);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<Ack> acks;
  Ack ack{};
  while (acks.size() < 40 && ::read(fds[0], &ack, sizeof ack) == sizeof ack) acks.push_back(ack);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  while (::read(fds[0], &ack, sizeof ack) == sizeof ack) acks.push_back(ack);  // acked before the kill
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with status " << WEXITSTATUS(status);
  ASSERT_GE(acks.size(), 40u);

  auto s = open_at(path);
  ASSERT_TRUE(s);
  auto d = s->stores().datasets.get_dataset("t1", "ds1");
  ASSERT_TRUE(d);
  EXPECT_GE(d->seq, acks.back().last_seq);
  EXPECT_GE(d->record_count, static_cast<std::int64_t>(acks.size()) * kBatch);
  for (const Ack& a : acks)
    for (int i = 0; i < kBatch; ++i) {
      auto r = s->stores().records.get_record("t1", "ds1",
                                              "r" + std::to_string(a.batch) + "-" + std::to_string(i));
      ASSERT_TRUE(r) << "acknowledged batch " << a.batch << " lost";
      EXPECT_EQ(r->seq, a.last_seq - kBatch + 1 + i);
    }
  // The store is usable after the crash.
  auto w = s->stores().records.write_records("t1", "ds1", {{Op::Insert, "after", "x", {}}});
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)[0].seq, d->seq + 1);
}

}  // namespace
}  // namespace vault::storage
