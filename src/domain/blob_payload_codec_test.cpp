// BlobPayloadCodec over the real file blob store: small payloads stay in the
// row, large ones go to a blob of their record, references are checked.
#include "vault/domain/blob_payload_codec.hpp"

#include "support/temp_dir.hpp"
#include "vault/storage/factory.hpp"

#include <gtest/gtest.h>

namespace vault::domain {
namespace {

class BlobPayloadCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto b = storage::open_blob_store("file://" + (dir_.path() / "blobs").string());
    ASSERT_TRUE(b) << b.error().message();
    blobs_ = std::move(*b);
    codec_ = blob_payloads(plain_, *blobs_, 1024);
  }
  vault::testing::TempDir dir_;
  PlainPayloadCodec plain_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<PayloadCodec> codec_;
  // PayloadContext holds references: the strings live here.
  const std::string tn1_ = "tn_1", tn2_ = "tn_2", ds1_ = "ds_1", ds2_ = "ds_2", rec_ = "rec/with odd chars",
                    another_ = "another", r_ = "r";
  const PayloadContext ctx_{tn1_, ds1_, rec_, 3};
};

TEST_F(BlobPayloadCodecTest, SmallPayloadsStayInTheRow) {
  const std::string small(1024, 'a');
  auto s = codec_->seal(ctx_, small);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, small);
  EXPECT_FALSE(is_blob_reference(*s));
  EXPECT_FALSE(codec_->is_identity());  // references must be followed
  auto listed = blobs_->list("payloads/");
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

TEST_F(BlobPayloadCodecTest, LargePayloadsGoToABlobOfTheirRecord) {
  const std::string large(5000, 'x');
  auto ref = codec_->seal(ctx_, large);
  ASSERT_TRUE(ref);
  ASSERT_TRUE(is_blob_reference(*ref));
  EXPECT_LT(ref->size(), 200u);
  auto key = blob_key_of(ctx_, *ref);
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_TRUE(key->starts_with("payloads/tn_1/ds_1/"));
  auto blob = blobs_->get(*key);
  ASSERT_TRUE(blob);
  EXPECT_EQ(*blob, large);  // what the row would have held (here: the plain codec's bytes)
  auto back = codec_->open(ctx_, *ref);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, large);
  // A second seal of the same record gets a blob of its own (never overwritten).
  auto again = codec_->seal(ctx_, large);
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *ref);
  EXPECT_EQ(blobs_->list("payloads/tn_1/ds_1/")->size(), 2u);
}

TEST_F(BlobPayloadCodecTest, AReferenceToAnotherRecordsBlobIsRefused) {
  auto ref = codec_->seal(ctx_, std::string(5000, 'x'));
  ASSERT_TRUE(ref);
  const PayloadContext others[] = {{tn2_, ds1_, rec_, 3}, {tn1_, ds2_, rec_, 3}, {tn1_, ds1_, another_, 3}};
  for (const PayloadContext& other : others) {
    auto r = codec_->open(other, *ref);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::DecryptionOperation);
  }
  std::string traversal(*ref);
  traversal += "/../../x";
  EXPECT_FALSE(codec_->open(ctx_, traversal));
}

TEST_F(BlobPayloadCodecTest, AMissingBlobIsAnErrorNotAnEmptyRecord) {
  auto ref = codec_->seal(ctx_, std::string(5000, 'x'));
  ASSERT_TRUE(ref);
  ASSERT_TRUE(blobs_->remove(*blob_key_of(ctx_, *ref)));
  auto r = codec_->open(ctx_, *ref);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::ResourceNotFound);
}

TEST_F(BlobPayloadCodecTest, RemovingADatasetsBlobsLeavesOthers) {
  ASSERT_TRUE(codec_->seal(ctx_, std::string(5000, 'x')));
  ASSERT_TRUE(codec_->seal(PayloadContext{tn1_, ds2_, r_, 1}, std::string(5000, 'y')));
  ASSERT_TRUE(remove_dataset_blobs(*blobs_, "tn_1", "ds_1"));
  EXPECT_TRUE(blobs_->list("payloads/tn_1/ds_1/")->empty());
  EXPECT_EQ(blobs_->list("payloads/tn_1/ds_2/")->size(), 1u);
}

}  // namespace
}  // namespace vault::domain
