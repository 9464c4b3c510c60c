#pragma once
/// Conformance suite of JobStore: key rotation jobs (job_store.hpp).
/// Fixture, helpers and how to instantiate: store_conformance.hpp.
#include "conformance/store_conformance.hpp"

namespace vault::storage::conformance {

class JobStoreConformance : public StoreConformance {};

TEST_P(JobStoreConformance, KeyJobsOneRunningPerTenantAndResumable) {
  tenant("t1");
  tenant("t2");
  KeyJob j;
  j.id = "job1";
  j.tenant_id = "t1";
  j.type = KeyJobType::KekRotation;
  j.from_version = 1;
  j.to_version = 2;
  j.total = 10;
  ASSERT_TRUE(s().jobs.create_key_job(j));
  KeyJob second = j;
  second.id = "job2";
  second.type = KeyJobType::DekRotation;
  second.dataset_id = "ds1";
  VAULT_EXPECT_KIND(s().jobs.create_key_job(second), ErrorKind::Conflict);  // one running per tenant
  KeyJob other = j;
  other.id = "job3";
  other.tenant_id = "t2";
  ASSERT_TRUE(s().jobs.create_key_job(other));  // another tenant is independent

  auto running = s().jobs.list_running_key_jobs();
  ASSERT_TRUE(running);
  EXPECT_EQ(running->size(), 2u);

  j.done = 7;
  j.cursor = "ds_x";
  ASSERT_TRUE(s().jobs.update_key_job(j));
  auto got = s().jobs.get_key_job("t1", "job1");
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->done, 7);
  EXPECT_EQ(got->cursor, "ds_x");
  EXPECT_EQ(got->total, 10);
  EXPECT_EQ(got->to_version, 2);
  EXPECT_EQ(got->type, KeyJobType::KekRotation);
  EXPECT_EQ(got->state, KeyJobState::Running);
  EXPECT_GT(got->created_at, 0);
  VAULT_EXPECT_KIND(s().jobs.get_key_job("t2", "job1"), ErrorKind::ResourceNotFound);
  KeyJob foreign = j;
  foreign.tenant_id = "t2";
  VAULT_EXPECT_KIND(s().jobs.update_key_job(foreign), ErrorKind::ResourceNotFound);

  j.state = KeyJobState::Succeeded;
  j.done = 10;
  ASSERT_TRUE(s().jobs.update_key_job(j));
  ASSERT_TRUE(s().jobs.create_key_job(second));  // the tenant is free again
  auto list = s().jobs.list_key_jobs("t1", 10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "job2");  // newest first
  EXPECT_EQ((*list)[0].dataset_id, "ds1");
  EXPECT_EQ((*list)[0].type, KeyJobType::DekRotation);
  EXPECT_EQ((*list)[1].state, KeyJobState::Succeeded);
  EXPECT_EQ(s().jobs.list_key_jobs("t1", 1)->size(), 1u);
  running = s().jobs.list_running_key_jobs();
  ASSERT_TRUE(running);
  EXPECT_EQ(running->size(), 2u);  // job2 and job3
}

}  // namespace vault::storage::conformance
