// Verify a signed dataset: the DSSE envelope over the in-toto statement, every file's
// SHA-256, no file added, and the manifest against both (docs/provenance.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aleatoric/error.hpp"

namespace aleatoric {

/// The DSSE payload type of an in-toto statement.
inline constexpr std::string_view kPayloadType = "application/vnd.in-toto+json";
/// The envelope file at the dataset root.
inline constexpr std::string_view kProvenanceName = "provenance.intoto.jsonl";

/// An ECDSA P-256 or Ed25519 public key (SubjectPublicKeyInfo PEM).
class PublicKey {
 public:
  /// Load a PEM file; throws InputError naming the file when it is missing, not a public
  /// key, a private key, or another key type.
  static PublicKey load_pem_file(const std::filesystem::path& path);
  /// Parse PEM text; `origin` names it in errors.
  static PublicKey from_pem(std::string_view pem, const std::string& origin = "key");

  /// Hex SHA-256 of the DER SubjectPublicKeyInfo: the envelope's `keyid`.
  const std::string& key_id() const noexcept { return key_id_; }
  /// "ecdsa-p256" or "ed25519".
  const std::string& algorithm() const noexcept { return algorithm_; }
  /// Whether `signature` (DER for ECDSA, raw 64 bytes for Ed25519) signs `message`.
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  std::shared_ptr<void> key_;  // EVP_PKEY
  std::string key_id_;
  std::string algorithm_;
};

/// DSSE v1 pre-authentication encoding: "DSSEv1 <len> <type> <len> <body>".
std::string pae(std::string_view payload_type, std::string_view body);

/// Decode standard or URL-safe base64, strictly; throws VerifyError naming `field`.
std::string base64_decode(std::string_view text, std::string_view field);

/// Check that `key` signed `envelope`; return the statement it carries. Throws VerifyError.
nlohmann::json verify_envelope(const nlohmann::json& envelope, const PublicKey& key);

/// Read the one-line envelope at `root/provenance.intoto.jsonl`; throws VerifyError.
nlohmann::json read_envelope(const std::filesystem::path& root);

/// What a successful verification checked.
struct VerifyReport {
  std::filesystem::path root;
  std::string key_id;
  std::vector<std::string> subjects;  ///< sorted, manifest.json included
  nlohmann::json statement;
  std::size_t files() const noexcept { return subjects.size(); }
};

/// Verify the signed dataset at `root` with `key`, in the stages of `aleatoric verify`:
/// envelope, statement, files (digests, missing, extra, non-regular), manifest. Throws
/// VerifyError with every problem of the first failing stage.
VerifyReport verify_dataset(const std::filesystem::path& root, const PublicKey& key);

}  // namespace aleatoric
