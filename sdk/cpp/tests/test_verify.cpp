#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "aleatoric/aleatoric.hpp"
#include "vectors.hpp"

namespace al = aleatoric;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> verdict(const fs::path& root, const al::PublicKey& key, std::size_t* files = nullptr) {
  try {
    auto report = al::verify_dataset(root, key);
    if (files) *files = report.files();
    return {};
  } catch (const al::VerifyError& e) {
    return e.problems();
  }
}

// A scratch copy of a vector dataset.
struct Copy {
  fs::path root;
  explicit Copy(const std::string& name) {
    root = fs::temp_directory_path() / ("aleatoric-cpp-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::copy(vectors::dir() / name, root, fs::copy_options::recursive);
  }
  ~Copy() { fs::remove_all(root); }
};

}  // namespace

TEST(Verify, PaeMatchesTheDsseSpecVector) {
  EXPECT_EQ(al::pae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST(Verify, VerdictsEqualAleatoricVerifyOnEveryVector) {
  int checked = 0;
  for (const auto& name : vectors::all()) {
    const auto& entry = vectors::expected()["datasets"][name];
    if (!entry.contains("verify")) continue;
    for (const auto& [key_name, want] : entry["verify"].items()) {
      SCOPED_TRACE(name + " with " + key_name);
      auto key = al::PublicKey::load_pem_file(vectors::key(key_name));
      EXPECT_EQ(key.algorithm(), key_name);
      std::size_t files = 0;
      auto problems = verdict(vectors::dir() / name, key, &files);
      if (want["ok"].get<bool>()) {
        EXPECT_TRUE(problems.empty()) << problems.front();
        EXPECT_EQ(files, want["files"].get<std::size_t>());
        EXPECT_EQ(key.key_id(), want["key_id"]);
      } else {
        EXPECT_EQ(problems, want["problems"].get<std::vector<std::string>>());
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 8);  // two keys for each of four datasets
}

TEST(Verify, DetectsAddedRemovedAndLinkedFiles) {
  const std::string name = vectors::golden().front();
  auto key = al::PublicKey::load_pem_file(vectors::key(vectors::figures(name)["signed_with"]));
  const std::string trades = vectors::figures(name)["files"][0]["path"];
  {
    Copy c(name);
    std::ofstream(c.root / "x.parquet") << "x";
    std::ofstream(c.root / ".hidden") << "x";
    EXPECT_EQ(verdict(c.root, key),
              (std::vector<std::string>{"extra file not in provenance: .hidden", "extra file not in provenance: x.parquet"}));
  }
  {
    Copy c(name);
    fs::remove(c.root / trades);
    EXPECT_EQ(verdict(c.root, key), std::vector<std::string>{trades + ": missing (signed, but not on disk)"});
  }
  {
    Copy c(name);
    fs::create_symlink(c.root / "manifest.json", c.root / "link.parquet");
    EXPECT_EQ(verdict(c.root, key), std::vector<std::string>{"link.parquet: not a regular file"});
  }
  {
    Copy c(name);
    fs::remove(c.root / "provenance.intoto.jsonl");
    EXPECT_EQ(verdict(c.root, key),
              std::vector<std::string>{"provenance.intoto.jsonl: not found; the dataset is not signed"});
  }
}

TEST(Verify, RejectsUnusableKeys) {
  auto tmp = fs::temp_directory_path() / ("aleatoric-cpp-keys-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  EXPECT_THROW(al::PublicKey::load_pem_file(tmp / "absent.pub"), al::InputError);
  std::ofstream(tmp / "private.pem") << "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
  try {
    al::PublicKey::load_pem_file(tmp / "private.pem");
    FAIL() << "accepted a private key";
  } catch (const al::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is a private key; pass the public key"), std::string::npos);
  }
  fs::remove_all(tmp);
}

TEST(Verify, Base64AcceptsStandardAndUrlSafeAndRejectsJunk) {
  EXPECT_EQ(al::base64_decode("aGVsbG8=", "x"), "hello");
  EXPECT_EQ(al::base64_decode("-_8=", "x"), al::base64_decode("+/8=", "x"));
  EXPECT_THROW(al::base64_decode("aGVsbG8", "x"), al::VerifyError);
  EXPECT_THROW(al::base64_decode("aGV*bG8=", "x"), al::VerifyError);
}
