// Built-in secret recognizers: cloud keys, SaaS tokens, private keys, JWTs,
// passwords in URLs / connection strings, generic high-entropy keys.
#include "builtin_util.hpp"
#include "vault/pii/detection/catalogue.hpp"

namespace vault::pii {

using namespace builtin;

namespace {
RecognizerSpec secret(std::string name, std::string entity, std::vector<PatternSpec> ps, double min_entropy = 0,
                      std::vector<std::string> context = {}) {
  auto r = rec(std::move(name), std::move(entity), std::move(ps), "", std::move(context));
  r.min_entropy = min_entropy;
  return r;
}
constexpr Boundary A = Boundary::Alnum;
constexpr Boundary N = Boundary::None;
}  // namespace

std::vector<RecognizerSpec> secret_recognizers() {
  std::vector<RecognizerSpec> out;
  out.push_back(secret("aws_access_key_id", "AWS_ACCESS_KEY_ID",
                       {pat(R"((AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})", 0.9, false, A, A)}, 3.0,
                       {"aws", "access", "key"}));
  {
    auto r = secret("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY",
                    {pat(R"([A-Za-z0-9/+]{40})", 0.6, false, A, A)}, 4.0, {"aws", "secret"});
    r.patterns[0].digit_anchored = true;  // 40 random base64 characters always contain a digit in practice
    r.patterns[0].forbid_before = r.patterns[0].forbid_after = "/+";
    r.required_keywords = {"aws_secret", "secret_access_key", "secretaccesskey", "aws secret", "secret access key"};
    out.push_back(std::move(r));
  }
  out.push_back(secret("gcp_api_key", "GCP_API_KEY", {pat(R"(AIza[0-9A-Za-z_-]{35})", 0.9, false, A, A)}, 3.0));
  {
    auto r = secret("gcp_service_account", "GCP_SERVICE_ACCOUNT",
                    {pat(R"("private_key_id"\s*:\s*"[0-9a-f]{40}")", 0.9, false, N, N),
                     pat(R"("type"\s*:\s*"service_account")", 0.6, false, N, N)});
    out.push_back(std::move(r));
  }
  out.push_back(secret("azure_connection_string", "AZURE_CONNECTION_STRING",
                       {pat(R"(DefaultEndpointsProtocol=https?;AccountName=[A-Za-z0-9]{3,24};AccountKey=[A-Za-z0-9+/]{86}==)",
                            0.95, true, N, N),
                        pat(R"(Endpoint=sb://[A-Za-z0-9.-]{1,200}/;SharedAccessKeyName=[^;\s]{1,256};SharedAccessKey=[A-Za-z0-9+/]{43}=)",
                            0.95, true, N, N)}));
  out.push_back(secret("azure_storage_key", "AZURE_STORAGE_KEY",
                       {pat(R"(AccountKey=[A-Za-z0-9+/]{86}==)", 0.9, true, N, N)}, 4.0));
  out.push_back(secret("azure_client_secret", "AZURE_CLIENT_SECRET",
                       {pat(R"([A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34})", 0.8, false, A, A)}, 3.5));
  out.push_back(secret("azure_sas", "AZURE_SAS_TOKEN", {pat(R"(sig=[A-Za-z0-9%]{43,64})", 0.7, false, A, A)}, 3.5,
                       {"sas", "blob", "azure"}));
  out.push_back(secret("github_token", "GITHUB_TOKEN",
                       {pat(R"(gh[pousr]_[A-Za-z0-9]{36,255})", 0.95, false, A, A),
                        pat(R"(github_pat_[A-Za-z0-9_]{82})", 0.95, false, A, A)}));
  out.push_back(secret("gitlab_token", "GITLAB_TOKEN",
                       {pat(R"(gl(pat|dt|rt|ptt|cbt|imt|oas|ft|agent)-[A-Za-z0-9_-]{20,64})", 0.95, false, A, A)}));
  out.push_back(secret("slack_token", "SLACK_TOKEN",
                       {pat(R"(xox[abposr]-[A-Za-z0-9-]{10,}[A-Za-z0-9])", 0.9, false, A, A),
                        pat(R"(xapp-\d-[A-Z0-9]{9,}-\d{10,}-[a-f0-9]{64})", 0.9, false, A, A),
                        pat(R"(https://hooks\.slack\.com/(services|workflows)/[A-Za-z0-9+/]{43,}[A-Za-z0-9])", 0.95, false, N, A),
                        pat(R"(https://hooks\.slack\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32})",
                            0.95, false, N, A)}));
  out.push_back(secret("stripe_key", "STRIPE_KEY", {pat(R"((sk|rk|pk)_(live|test)_[A-Za-z0-9]{16,99})", 0.9, false, A, A)}));
  out.push_back(secret("openai_key", "OPENAI_API_KEY",
                       {pat(R"(sk-[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,})", 0.95, false, A, A),
                        pat(R"(sk-(proj|svcacct|admin)-[A-Za-z0-9_-]{40,})", 0.9, false, A, A),
                        pat(R"(sk-[A-Za-z0-9]{48})", 0.7, false, A, A)},
                       3.0));
  out.push_back(secret("anthropic_key", "ANTHROPIC_API_KEY",
                       {pat(R"(sk-ant-(api|admin)\d{2}-[A-Za-z0-9_-]{80,})", 0.95, false, A, A)}));
  out.push_back(secret("huggingface_token", "HUGGINGFACE_TOKEN", {pat(R"(hf_[A-Za-z]{34})", 0.9, false, A, A)}, 3.0));
  {
    auto r = secret("private_key", "PRIVATE_KEY",
                    {pat(R"(-----BEGIN[A-Z ]{0,30} PRIVATE KEY( BLOCK)?-----)", 0.95, false, N, N)});
    r.extend_to = "PRIVATE KEY-----";
    out.push_back(std::move(r));
    auto pgp = secret("pgp_private_key", "PRIVATE_KEY",
                      {pat(R"(-----BEGIN PGP PRIVATE KEY BLOCK-----)", 0.95, false, N, N)});
    pgp.extend_to = "-----END PGP PRIVATE KEY BLOCK-----";
    out.push_back(std::move(pgp));
  }
  {
    auto r = rec("jwt", "JWT", {pat(R"(eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,})", 0.8, false, A, A)},
                 "jwt", {"token", "jwt", "bearer", "authorization"});
    out.push_back(std::move(r));
  }
  {
    auto r = secret("url_password", "PASSWORD",
                    {pat(R"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@"']+:[^\s:/@"']+@[A-Za-z0-9.-]+)", 0.9,
                         false, A, N)});
    r.refine = RecognizerSpec::Refine::UrlPassword;
    out.push_back(std::move(r));
  }
  {
    auto r = secret("conn_password", "PASSWORD",
                    {pat(R"((password|pwd|passwd) ?= ?[^;\s"']{3,})", 0.8, true, A, N)});
    r.refine = RecognizerSpec::Refine::AssignedValue;
    out.push_back(std::move(r));
  }
  {
    auto r = secret("assigned_secret", "GENERIC_SECRET",
                    {pat(R"((api[_-]?key|apikey|secret|token|passwd|password|access[_-]?key|auth[_-]?key|)"
                         R"(client[_-]?secret|credential|private[_-]?key)[A-Za-z0-9_.-]*["']? ?[:=] ?["']?)"
                         R"([A-Za-z0-9_\-+/=.~]{16,})",
                         0.7, true, A, A)},
                    3.5);
    r.refine = RecognizerSpec::Refine::AssignedValue;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace vault::pii
