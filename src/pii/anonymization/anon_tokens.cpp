// Token format and the in-memory TokenStore.
#include "vault/pii/anonymization/anonymizer.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <stdexcept>

namespace vault::pii {
namespace {

constexpr std::string_view kBase32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::size_t kRandomChars = 22;  // 110 random bits

}  // namespace

std::string make_token(std::string_view entity) {
  unsigned char bytes[kRandomChars];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("CSPRNG failure");
  std::string t = "tok_";
  for (char c : entity) {
    auto u = static_cast<unsigned char>(c);
    t.push_back(std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_');
  }
  t.push_back('_');
  for (unsigned char b : bytes) t.push_back(kBase32[b & 31]);
  return t;
}

bool looks_like_token(std::string_view s) {
  if (!s.starts_with("tok_") || s.size() < 4 + 1 + kRandomChars + 1) return false;
  auto tail = s.substr(s.size() - kRandomChars);
  if (s[s.size() - kRandomChars - 1] != '_') return false;
  for (char c : tail)
    if (kBase32.find(c) == std::string_view::npos) return false;
  for (char c : s.substr(4, s.size() - kRandomChars - 5))
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

Result<std::string> InMemoryTokenStore::tokenize(std::string_view tenant_id, std::string_view entity,
                                                 std::string_view original) {
  std::lock_guard lock(mu_);
  auto key = std::make_tuple(std::string(tenant_id), std::string(entity), std::string(original));
  if (auto it = forward_.find(key); it != forward_.end()) return it->second;
  std::string token;
  do {
    token = make_token(entity);
  } while (backward_.contains({std::string(tenant_id), token}));
  backward_.emplace(std::make_pair(std::string(tenant_id), token), std::string(original));
  forward_.emplace(std::move(key), token);
  return token;
}

Result<std::string> InMemoryTokenStore::detokenize(std::string_view tenant_id, std::string_view token) {
  std::lock_guard lock(mu_);
  auto it = backward_.find({std::string(tenant_id), std::string(token)});
  if (it == backward_.end()) return fail(ErrorKind::ResourceNotFound, "unknown token");
  return it->second;
}

std::size_t InMemoryTokenStore::size() const {
  std::lock_guard lock(mu_);
  return backward_.size();
}

}  // namespace vault::pii
