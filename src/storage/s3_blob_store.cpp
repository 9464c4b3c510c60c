#include "storage/s3_blob_store.hpp"

#include "storage/blob_key.hpp"

#include <algorithm>

namespace vault::storage {

using Query = std::map<std::string, std::string>;

Status S3BlobStore::put(const std::string& key, std::string_view data) {
  if (auto v = validate_blob_key(key); !v) return v;
  const auto& c = client_.config();
  if (data.size() > c.multipart_threshold) return put_multipart(key, data);
  auto r = client_.send("PUT", key, {}, data, c.write_timeout);
  if (!r) return std::unexpected(r.error());
  if (r->status != 200) return std::unexpected(s3::status_error(*r, "PUT"));
  return {};
}

Status S3BlobStore::put_multipart(const std::string& key, std::string_view data) {
  const auto& c = client_.config();
  auto start = client_.send("POST", key, Query{{"uploads", ""}}, {}, c.metadata_timeout);
  if (!start) return std::unexpected(start.error());
  if (start->status != 200) return std::unexpected(s3::status_error(*start, "CreateMultipartUpload"));
  const std::string upload = s3::xml_value(start->body, "UploadId");
  if (upload.empty()) return fail(ErrorKind::BlobStorage, "s3: CreateMultipartUpload returned no UploadId");
  auto abort = [&](Error e) -> Status {
    (void)client_.send("DELETE", key, Query{{"uploadId", upload}}, {}, c.metadata_timeout);
    return std::unexpected(std::move(e));
  };
  std::string complete = "<CompleteMultipartUpload>";
  int part = 0;
  for (std::size_t off = 0; off < data.size(); off += c.part_size) {
    ++part;
    const auto chunk = data.substr(off, c.part_size);
    auto r = client_.send("PUT", key, Query{{"partNumber", std::to_string(part)}, {"uploadId", upload}}, chunk,
                          c.write_timeout);
    if (!r) return abort(r.error());
    if (r->status != 200) return abort(s3::status_error(*r, "UploadPart"));
    if (r->etag.empty()) return abort(Error(ErrorKind::BlobStorage, "s3: UploadPart returned no ETag"));
    complete += "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" + r->etag + "</ETag></Part>";
  }
  complete += "</CompleteMultipartUpload>";
  auto done = client_.send("POST", key, Query{{"uploadId", upload}}, complete, c.write_timeout);
  if (!done) return abort(done.error());
  // CompleteMultipartUpload can fail with 200 and an <Error> body.
  if (done->status != 200 || done->body.find("<Error>") != std::string::npos)
    return abort(s3::status_error(*done, "CompleteMultipartUpload"));
  return {};
}

Result<std::string> S3BlobStore::get(const std::string& key) {
  if (auto v = validate_blob_key(key); !v) return std::unexpected(v.error());
  auto r = client_.send("GET", key, {}, {}, client_.config().read_timeout);
  if (!r) return std::unexpected(r.error());
  if (r->status == 404) return fail(ErrorKind::ResourceNotFound, "blob not found");
  if (r->status != 200) return std::unexpected(s3::status_error(*r, "GET"));
  return std::move(r->body);
}

Status S3BlobStore::get_to(const std::string& key, const std::function<bool(std::string_view)>& sink) {
  if (auto v = validate_blob_key(key); !v) return v;
  bool aborted = false;
  auto r = client_.send_to("GET", key, {}, client_.config().read_timeout, [&](std::string_view piece) {
    if (!sink(piece)) aborted = true;
    return !aborted;
  });
  if (aborted) return fail(ErrorKind::BlobStorage, "blob read aborted by its reader");
  if (!r) return std::unexpected(r.error());
  if (r->status == 404) return fail(ErrorKind::ResourceNotFound, "blob not found");
  if (r->status != 200) return std::unexpected(s3::status_error(*r, "GET"));
  return {};
}

Result<bool> S3BlobStore::exists(const std::string& key) {
  if (auto v = validate_blob_key(key); !v) return std::unexpected(v.error());
  auto r = client_.send("HEAD", key, {}, {}, client_.config().metadata_timeout);
  if (!r) return std::unexpected(r.error());
  if (r->status == 404) return false;
  if (r->status != 200) return std::unexpected(s3::status_error(*r, "HEAD"));
  return true;
}

Status S3BlobStore::remove(const std::string& key) {
  if (auto v = validate_blob_key(key); !v) return v;
  auto r = client_.send("DELETE", key, {}, {}, client_.config().metadata_timeout);
  if (!r) return std::unexpected(r.error());
  if (r->status != 204 && r->status != 200 && r->status != 404)
    return std::unexpected(s3::status_error(*r, "DELETE"));
  return {};
}

Result<std::vector<std::string>> S3BlobStore::list(const std::string& prefix) {
  const auto& c = client_.config();
  std::vector<std::string> out;
  std::string token;
  for (int page = 0; page < 100000; ++page) {
    Query q{{"list-type", "2"}, {"prefix", c.prefix + prefix}};
    if (!token.empty()) q["continuation-token"] = token;
    auto r = client_.send("GET", "", q, {}, c.metadata_timeout);
    if (!r) return std::unexpected(r.error());
    if (r->status != 200) return std::unexpected(s3::status_error(*r, "ListObjectsV2"));
    for (std::size_t at = r->body.find("<Contents>"); at != std::string::npos;
         at = r->body.find("<Contents>", at + 1)) {
      std::string key = s3::xml_value(r->body, "Key", at);
      if (key.starts_with(c.prefix)) out.push_back(key.substr(c.prefix.size()));
    }
    if (s3::xml_value(r->body, "IsTruncated") != "true") break;
    token = s3::xml_value(r->body, "NextContinuationToken");
    if (token.empty()) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status S3BlobStore::ping() {
  auto r = client_.send("HEAD", "", {}, {}, client_.config().metadata_timeout);
  if (!r) return std::unexpected(r.error());
  if (r->status == 404) return fail(ErrorKind::BlobStorage, "s3: the bucket does not exist");
  if (r->status != 200) return std::unexpected(s3::status_error(*r, "HeadBucket"));
  return {};
}

}  // namespace vault::storage
