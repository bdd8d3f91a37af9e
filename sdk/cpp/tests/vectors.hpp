// The shared test vectors (sdk/vectors) and Python's figures for them (expected.json).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vectors {

inline std::filesystem::path dir() {
  if (const char* env = std::getenv("ALEATORIC_VECTORS_DIR")) return env;
  return ALEATORIC_VECTORS_DIR;
}

inline const nlohmann::json& expected() {
  static const nlohmann::json doc = [] {
    std::ifstream in(dir() / "expected.json");
    if (!in) throw std::runtime_error((dir() / "expected.json").string() + ": missing; the vectors are part of the repo");
    return nlohmann::json::parse(in);
  }();
  return doc;
}

/// The datasets with full figures (not the tampered copies).
inline std::vector<std::string> golden() {
  std::vector<std::string> out;
  for (const auto& [name, entry] : expected()["datasets"].items())
    if (!entry.contains("copy_of")) out.push_back(name);
  return out;
}

inline std::vector<std::string> all() {
  std::vector<std::string> out;
  for (const auto& [name, _] : expected()["datasets"].items()) out.push_back(name);
  return out;
}

inline std::filesystem::path key(const std::string& name) {
  return dir() / expected()["keys"][name].get<std::string>();
}

/// The entry of `name`, or of the dataset it copies for the figures it shares.
inline const nlohmann::json& figures(const std::string& name) {
  const auto& e = expected()["datasets"][name];
  return e.contains("copy_of") ? expected()["datasets"][e["copy_of"].get<std::string>()] : e;
}

}  // namespace vectors
