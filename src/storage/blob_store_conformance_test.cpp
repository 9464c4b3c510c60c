// The blob conformance suite (tests/conformance/blob_store_conformance.hpp),
// unchanged, against every blob store: a fresh directory per test for the
// file store, a fresh key prefix on the s3rver of the CTest fixture
// "services" for the S3 store. The suite defines its tests in a header, so
// this is the one translation unit that includes it.
#include "conformance/blob_store_conformance.hpp"
#include "storage/file_blob_store.hpp"
#include "support/test_services.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

#include <mutex>

namespace vault::storage {
namespace {

using conformance::BlobStoreConformance;
using conformance::BlobStoreParam;

std::unique_ptr<BlobStore> fresh_file_store() {
  static std::mutex mu;
  std::lock_guard lk(mu);
  auto s = FileBlobStore::open(testing::process_temp_dir().fresh("blobs"));
  if (!s) return nullptr;
  return std::move(*s);
}

std::unique_ptr<BlobStore> fresh_s3_store() {
  auto s = open_blob_store(testing::fresh_s3_url());
  EXPECT_TRUE(s) << s.error().message();
  return s ? std::move(*s) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(File, BlobStoreConformance, ::testing::Values(BlobStoreParam{"file", fresh_file_store}),
                         conformance::BlobStoreParamName);
// s3rver writes an object straight into its final file, so a concurrent GET
// can read half of it (lib/stores/filesystem.js putObject); S3 itself
// replaces objects atomically, which is all the store relies on.
INSTANTIATE_TEST_SUITE_P(S3, BlobStoreConformance,
                         ::testing::Values(BlobStoreParam{"s3", fresh_s3_store, /*server_replaces_atomically=*/false}),
                         conformance::BlobStoreParamName);

}  // namespace
}  // namespace vault::storage
