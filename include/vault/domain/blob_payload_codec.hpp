#pragma once
/// Large record payloads in the blob store (storage.inline_max_bytes): a
/// PayloadCodec decorator. seal() seals with the inner codec (encryption at
/// rest) and, when the sealed bytes are larger than `inline_max_bytes`, puts
/// them in the blob store and returns a reference instead, which the record
/// store keeps in the payload column; open() follows a reference and opens
/// what it finds. So the blob holds exactly what the row would have held —
/// sealed under the dataset's DEK with the record's AAD — and every reader
/// and writer of payloads that goes through the codec (reads, lists, exports,
/// versions, imports) handles both.
///
/// A reference is "\0vault-blob:1\0" + the blob key
/// "payloads/<tenant>/<dataset>/<sha256(record id)>/<random>": a fresh key per
/// seal, so a blob is written once and never overwritten; the blob is durable
/// before the row that refers to it is written. open() refuses a reference
/// that names another tenant's, dataset's or record's blob.
///
/// Left behind (unreadable: their data keys are destroyed or retired, but
/// taking space): blobs of a write whose row was not stored, of a deleted
/// dataset or purged tenant (unless cleaned with remove_*_blobs, as the
/// DELETE routes do), and
/// the previous blob of a revision re-encrypted by a DEK rotation.
#include "vault/domain/seams.hpp"
#include "vault/storage/blob_store.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace vault::domain {

/// Whether stored payload bytes are a blob reference.
bool is_blob_reference(std::string_view stored);

/// The blob key of a reference after checking that it belongs to the
/// record; DecryptionOperation otherwise.
Result<std::string> blob_key_of(const PayloadContext& ctx, std::string_view reference);

/// Puts `sealed` as a new blob of the record; returns the reference to store.
Result<std::string> store_payload_blob(storage::BlobStore& blobs, const PayloadContext& ctx, std::string_view sealed);

/// `inner`, `blobs` must outlive the codec.
std::unique_ptr<PayloadCodec> blob_payloads(PayloadCodec& inner, storage::BlobStore& blobs,
                                            std::size_t inline_max_bytes);

/// Removes every payload blob of a dataset (after the dataset was deleted).
Status remove_dataset_blobs(storage::BlobStore& blobs, const std::string& tenant_id, const std::string& dataset_id);
/// Removes every payload blob of a tenant (after the tenant was purged).
Status remove_tenant_blobs(storage::BlobStore& blobs, const std::string& tenant_id);

}  // namespace vault::domain
