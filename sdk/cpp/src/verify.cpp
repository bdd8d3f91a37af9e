// DSSE + in-toto verification, stage by stage as aleatoric.provenance does it, with the
// same problem texts.
#include "aleatoric/verify.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "aleatoric/dataset.hpp"
#include "aleatoric/digest.hpp"

namespace aleatoric {
namespace {

constexpr std::string_view kStatementType = "https://in-toto.io/Statement/v1";
constexpr std::string_view kPredicateType = "https://slsa.dev/provenance/v1";

std::string py_repr(const nlohmann::json& v) {
  // Python's repr of a str (single quotes) or None, enough for the messages we mirror.
  if (v.is_null()) return "None";
  if (v.is_string()) return "'" + v.get<std::string>() + "'";
  return v.dump();
}

std::string read_file(const std::filesystem::path& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  if (!ok) return {};
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Every file under root except the provenance file, sorted; symbolic links and other
// non-regular entries are problems (they cannot be attested by their bytes).
std::vector<std::string> dataset_files(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::vector<std::string> found, odd;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  if (ec) throw VerifyError(root.string() + ": cannot list (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw VerifyError(root.string() + ": cannot list (" + ec.message() + ")");
    const auto& entry = *it;
    std::string rel = entry.path().lexically_relative(root).generic_string();
    auto st = entry.symlink_status(ec);
    if (fs::is_symlink(st)) {
      odd.push_back(rel);
      continue;
    }
    if (fs::is_directory(st)) continue;
    if (rel == kProvenanceName) continue;
    if (fs::is_regular_file(st)) found.push_back(rel);
    else odd.push_back(rel);
  }
  if (!odd.empty()) {
    std::sort(odd.begin(), odd.end());
    std::vector<std::string> problems;
    for (const auto& o : odd) problems.push_back(o + ": not a regular file");
    throw VerifyError(problems);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::map<std::string, std::string> subject_digests(const nlohmann::json& statement) {
  auto type = statement.contains("_type") ? statement["_type"] : nlohmann::json();
  if (type != kStatementType)
    throw VerifyError("statement: _type is " + py_repr(type) + ", expected '" + std::string(kStatementType) + "'");
  auto pt = statement.contains("predicateType") ? statement["predicateType"] : nlohmann::json();
  if (pt != kPredicateType)
    throw VerifyError("statement: predicateType is " + py_repr(pt) + ", expected '" +
                      std::string(kPredicateType) + "'");
  if (!statement.contains("subject") || !statement["subject"].is_array() || statement["subject"].empty())
    throw VerifyError("statement: subject must be a non-empty list");
  std::map<std::string, std::string> digests;
  std::size_t i = 0;
  for (const auto& s : statement["subject"]) {
    const nlohmann::json* name = s.is_object() && s.contains("name") ? &s["name"] : nullptr;
    const nlohmann::json* digest = s.is_object() && s.contains("digest") ? &s["digest"] : nullptr;
    const nlohmann::json* sha =
        digest && digest->is_object() && digest->contains("sha256") ? &(*digest)["sha256"] : nullptr;
    if (!name || !name->is_string() || !sha || !sha->is_string())
      throw VerifyError("statement: subject[" + std::to_string(i) + "] needs a name and a sha256 digest");
    auto n = name->get<std::string>();
    if (digests.contains(n)) throw VerifyError("statement: subject " + n + " appears twice");
    digests[n] = sha->get<std::string>();
    ++i;
  }
  return digests;
}

std::vector<std::string> check_manifest(const std::filesystem::path& root, const nlohmann::json& statement,
                                        const std::map<std::string, std::string>& actual) {
  Dataset ds;
  try {
    ds = Dataset::open(root);
  } catch (const InputError& e) {
    throw VerifyError(e.what());
  }
  if (ds.manifest_sha256() != actual.at("manifest.json")) return {"manifest.json: sha256 mismatch"};
  std::vector<std::string> problems;
  std::size_t i = 0;
  for (const auto& entry : ds.manifest()["files"]) {
    const auto path = entry["path"].get<std::string>();
    std::string where = "manifest.json: files[" + std::to_string(i++) + "] (" + path + ")";
    auto it = actual.find(path);
    if (it == actual.end()) {
      problems.push_back(where + ": file is not in the provenance statement");
    } else if (entry["sha256"] != it->second) {
      problems.push_back(where + ": sha256 does not match the file");
    } else if (entry.contains("bytes") &&
               entry["bytes"] != std::filesystem::file_size(root / std::filesystem::path(path))) {
      problems.push_back(where + ": bytes does not match the file size");
    }
  }
  nlohmann::json external = statement;
  for (const char* key : {"predicate", "buildDefinition", "externalParameters"})
    external = external.is_object() && external.contains(key) ? external[key] : nlohmann::json();
  if (!external.is_object()) external = nlohmann::json::object();
  for (const char* f : {"config", "seed"}) {
    auto got = external.contains(f) ? external[f] : nlohmann::json();
    if (got != ds.manifest()[f])
      problems.push_back(std::string("statement: predicate.buildDefinition.externalParameters.") + f +
                         " does not match manifest.json");
  }
  return problems;
}

}  // namespace

PublicKey PublicKey::from_pem(std::string_view pem, const std::string& origin) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* raw = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!raw) {
    if (pem.find("PRIVATE KEY") != std::string_view::npos)
      throw InputError(origin + ": is a private key; pass the public key");
    throw InputError(origin + ": not a PEM public key");
  }
  std::shared_ptr<void> key(raw, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  PublicKey out;
  int id = EVP_PKEY_get_base_id(raw);
  if (id == EVP_PKEY_ED25519) {
    out.algorithm_ = "ed25519";
  } else if (id == EVP_PKEY_EC) {
    char group[64] = {0};
    std::size_t len = 0;
    EVP_PKEY_get_group_name(raw, group, sizeof group, &len);
    if (std::string_view(group) != "prime256v1" && std::string_view(group) != "P-256")
      throw InputError(origin + ": unsupported curve " + group + "; allowed: ecdsa-p256, ed25519");
    out.algorithm_ = "ecdsa-p256";
  } else {
    throw InputError(origin + ": unsupported public key type " + EVP_PKEY_get0_type_name(raw) +
                     "; allowed: ecdsa-p256, ed25519");
  }
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(raw, &der);
  if (n <= 0) throw InputError(origin + ": cannot encode the public key");
  out.key_id_ = sha256_hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  out.key_ = std::move(key);
  return out;
}

PublicKey PublicKey::load_pem_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path.string() + ": no such public key file");
  bool ok = false;
  std::string pem = read_file(path, ok);
  if (!ok) throw InputError(path.string() + ": cannot read public key");
  return from_pem(pem, path.string());
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  auto* pkey = static_cast<EVP_PKEY*>(key_.get());
  const EVP_MD* md = algorithm_ == "ed25519" ? nullptr : EVP_sha256();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string pae(std::string_view type, std::string_view body) {
  std::string out = "DSSEv1 " + std::to_string(type.size()) + " ";
  out.append(type);
  out += " " + std::to_string(body.size()) + " ";
  out.append(body);
  return out;
}

std::string base64_decode(std::string_view text, std::string_view field) {
  auto bad = [&] { return VerifyError("envelope: " + std::string(field) + " is not valid base64"); };
  bool url = text.find_first_of("-_") != std::string_view::npos;
  if (text.size() % 4 != 0) throw bad();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t pad = 0;
  for (char c : text) {
    int v;
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad) throw bad();  // data after padding
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == (url ? '-' : '+') || c == '+') v = 62;
    else if (c == (url ? '_' : '/') || c == '/') v = 63;
    else throw bad();
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (pad > 2) throw bad();
  return out;
}

nlohmann::json verify_envelope(const nlohmann::json& envelope, const PublicKey& key) {
  if (!envelope.is_object()) throw VerifyError("provenance.intoto.jsonl: not a JSON object");
  auto kind = envelope.contains("payloadType") ? envelope["payloadType"] : nlohmann::json();
  auto payload = envelope.contains("payload") ? envelope["payload"] : nlohmann::json();
  if (!kind.is_string() || !payload.is_string())
    throw VerifyError("envelope: payloadType and payload must be strings");
  if (kind != kPayloadType)
    throw VerifyError("envelope: payloadType is " + py_repr(kind) + ", expected '" + std::string(kPayloadType) + "'");
  const auto& sigs = envelope.contains("signatures") ? envelope["signatures"] : nlohmann::json();
  if (!sigs.is_array() || sigs.empty()) throw VerifyError("envelope: signatures must be a non-empty list");
  std::string body = base64_decode(payload.get<std::string>(), "payload");
  std::string message = pae(kind.get<std::string>(), body);
  std::vector<std::string> others;
  bool verified = false;
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    const auto& entry = sigs[i];
    if (!entry.is_object() || !entry.contains("sig") || !entry["sig"].is_string())
      throw VerifyError("envelope: signatures[" + std::to_string(i) + "] needs a sig string");
    std::string keyid;
    if (entry.contains("keyid") && !entry["keyid"].is_null()) {
      if (!entry["keyid"].is_string()) {
        // Python treats a falsy keyid (0, false, "") as absent.
        const auto& k = entry["keyid"];
        bool falsy = (k.is_boolean() && !k.get<bool>()) || (k.is_number() && k.get<double>() == 0) ||
                     (k.is_array() && k.empty()) || (k.is_object() && k.empty());
        if (!falsy) throw VerifyError("envelope: signatures[" + std::to_string(i) + "].keyid must be a string");
      } else {
        keyid = entry["keyid"].get<std::string>();
      }
    }
    if (!keyid.empty() && keyid != key.key_id()) {
      others.push_back(keyid);
      continue;
    }
    auto sig = base64_decode(entry["sig"].get<std::string>(), "signatures[" + std::to_string(i) + "].sig");
    if (key.verify(message, sig)) {
      verified = true;
      break;
    }
  }
  if (!verified) {
    std::string reason;
    if (others.size() == sigs.size()) {
      reason = ": the envelope is signed only by key(s) ";
      for (std::size_t i = 0; i < others.size(); ++i) reason += (i ? ", " : "") + others[i];
    }
    throw VerifyError("signature does not verify with key " + key.key_id() + reason);
  }
  nlohmann::json statement;
  try {
    statement = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception&) {
    throw VerifyError("envelope: payload is not UTF-8 JSON");
  }
  if (!statement.is_object()) throw VerifyError("envelope: payload is not a JSON object");
  return statement;
}

nlohmann::json read_envelope(const std::filesystem::path& root) {
  auto path = root / std::string(kProvenanceName);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw VerifyError(std::string(kProvenanceName) + ": not found; the dataset is not signed");
  bool ok = false;
  std::string text = read_file(path, ok);
  if (!ok) throw VerifyError(std::string(kProvenanceName) + ": cannot read");
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t\f\v") != std::string::npos) lines.push_back(line);
  }
  if (lines.size() != 1)
    throw VerifyError(std::string(kProvenanceName) + ": expected one envelope line, found " +
                      std::to_string(lines.size()));
  nlohmann::json envelope;
  try {
    envelope = nlohmann::json::parse(lines[0]);
  } catch (const nlohmann::json::exception&) {
    throw VerifyError(std::string(kProvenanceName) + ": not valid JSON");
  }
  if (!envelope.is_object()) throw VerifyError(std::string(kProvenanceName) + ": not a JSON object");
  return envelope;
}

VerifyReport verify_dataset(const std::filesystem::path& root, const PublicKey& key) {
  if (!std::filesystem::is_directory(root)) throw VerifyError(root.string() + ": not a directory");
  auto statement = verify_envelope(read_envelope(root), key);
  auto signed_digests = subject_digests(statement);
  auto present_list = dataset_files(root);
  std::set<std::string> present(present_list.begin(), present_list.end());
  std::vector<std::string> problems;
  std::map<std::string, std::string> actual;
  if (!signed_digests.contains("manifest.json"))
    problems.push_back("manifest.json: not a subject of the provenance statement");
  for (const auto& [name, digest] : signed_digests) {
    if (!present.contains(name)) {
      problems.push_back(name + ": missing (signed, but not on disk)");
      continue;
    }
    actual[name] = sha256_file(root / std::filesystem::path(name));
    if (actual[name] != digest) problems.push_back(name + ": sha256 mismatch");
  }
  for (const auto& name : present_list)
    if (!signed_digests.contains(name)) problems.push_back("extra file not in provenance: " + name);
  if (problems.empty()) problems = check_manifest(root, statement, actual);
  if (!problems.empty()) throw VerifyError(problems);
  VerifyReport report;
  report.root = root;
  report.key_id = key.key_id();
  for (const auto& [name, _] : signed_digests) report.subjects.push_back(name);
  report.statement = std::move(statement);
  return report;
}

}  // namespace aleatoric
